import * as tf from "@tensorflow/tfjs-core";
import type { TransformerPolicy } from "../policy/model.ts";
import { evaluateTokens } from "../policy/score.ts";
import { Rng } from "../util/rng.ts";
import { disposePacked, packRows, type RowBatch, type TokenRow } from "./batch.ts";
import {
	aggregateLoss,
	approxKlOf,
	clampedLogRatio,
	entropyLoss,
	type KlEstimator,
	klPenalty,
	type LossAggregation,
	type PpoClipResult,
	ppoClipLoss,
	valueLoss,
} from "./losses.ts";
import { columnSum, type MergedRow, mergeRows } from "./merge.ts";
import { accumulatedStep } from "./optim.ts";

/** Loss and optimisation settings shared by the group-relative and PPO trainers (verl defaults). */
export interface UpdateConfig {
	/** Passes over the batch (verl `ppo_epochs`, default 1). */
	readonly epochs: number;
	/** Step rows per mini-batch (one optimizer step each; default 64). */
	readonly miniBatchSize: number;
	/** Step rows per forward/backward pass inside a mini-batch (gradient accumulation; default 32): bounds memory. */
	readonly microBatchSize: number;
	/** PPO clip ε (0.2). */
	readonly clipRatio: number;
	/** Dual-clip c (3). */
	readonly clipRatioC: number;
	/** Entropy bonus coefficient (0.001). */
	readonly entropyCoef: number;
	/** KL-to-reference loss coefficient (0.01); 0 skips the reference pass. */
	readonly klCoef: number;
	readonly klEstimator: KlEstimator;
	/** `token-mean` (verl-agent). */
	readonly aggregation: LossAggregation;
	/** Global gradient-norm clip (1.0). */
	readonly maxGradNorm: number;
	/** Sampling temperature of the rollouts (log-probs are compared at it; 1). */
	readonly temperature: number;
	/** Coefficient of the value loss when the critic shares the policy's trunk (0.1, TRL's `vf_coef`). */
	readonly valueCoef: number;
	/** Value clipping range around the old values (0.5, verl `cliprange_value`). */
	readonly valueClip: number;
	/** Rows per no-gradient scoring pass (64). */
	readonly scoreBatchSize: number;
	/**
	 * Old log-probs: `"recompute"` (default; verl recomputes them with the actor before the update)
	 * or `"rollout"` (the log-probs recorded at sampling time).
	 */
	readonly oldLogProbs: "recompute" | "rollout";
	/**
	 * Merge identical rows of each mini-batch before the forward pass (default true; only with
	 * `token-mean` aggregation, where it gives the same loss and gradient, see `mergeRows`).
	 */
	readonly mergeDuplicates: boolean;
}

/** Defaults of {@link UpdateConfig} (CREDIT.md §1.4, verl `ppo_trainer.yaml`). */
export const updateDefaults: UpdateConfig = {
	epochs: 1,
	miniBatchSize: 64,
	microBatchSize: 32,
	clipRatio: 0.2,
	clipRatioC: 3,
	entropyCoef: 0.001,
	klCoef: 0.01,
	klEstimator: "low_var_kl",
	aggregation: "token-mean",
	maxGradNorm: 1,
	temperature: 1,
	valueCoef: 0.1,
	valueClip: 0.5,
	scoreBatchSize: 64,
	oldLogProbs: "recompute",
	mergeDuplicates: true,
};

/** The value-loss part of an update (PPO): targets and old values per token, and which model learns them. */
export interface ValueTargets {
	readonly returns: ArrayLike<number>;
	readonly oldValues: ArrayLike<number>;
	/** A separate critic model and its optimizer; omitted: the policy's own value head (shared trunk). */
	readonly critic?: { readonly model: TransformerPolicy; readonly optimizer: tf.Optimizer };
}

/** Inputs of {@link runUpdate}: everything per token in the batch's flat token layout. */
export interface UpdateInputs {
	readonly model: TransformerPolicy;
	readonly optimizer: tf.Optimizer;
	readonly batch: RowBatch;
	readonly advantages: ArrayLike<number>;
	readonly oldLogProbs: ArrayLike<number>;
	/** Reference log-probs (needed when `klCoef > 0`). */
	readonly refLogProbs?: ArrayLike<number>;
	readonly value?: ValueTargets;
	/** Seed of the mini-batch order. */
	readonly seed: number;
	readonly pad?: number;
}

const MEANS = [
	"losses/policy_loss",
	"losses/pg_loss",
	"losses/entropy",
	"losses/kl",
	"losses/clip_frac",
	"losses/clip_frac_lower",
	"losses/approx_kl",
	"losses/value_loss",
	"losses/value_clip_frac",
	"losses/grad_norm",
	"losses/critic_grad_norm",
] as const;

/**
 * Epochs × shuffled mini-batches of the PPO-clip update with entropy bonus, KL to the reference and
 * (when `value` is given) the clipped value loss; each mini-batch is one clipped optimizer step.
 * Returns the mean of each loss metric over the mini-batch steps (`losses/…`), plus the number of
 * steps and tokens. Leaks no tensors.
 */
export const runUpdate = (inputs: UpdateInputs, config: UpdateConfig): Record<string, number> => {
	const { model, optimizer, batch } = inputs;
	const trainable = batch.rows.filter((r) => r.actionLen > 0);
	const rng = new Rng(inputs.seed);
	const sums = new Map<string, number>();
	const add = (k: string, v: number) => sums.set(k, (sums.get(k) ?? 0) + v);
	let steps = 0;
	let skipped = 0;
	const useKl = config.klCoef > 0 && inputs.refLogProbs !== undefined;
	const value = inputs.value;
	const shared = value !== undefined && value.critic === undefined;
	const columns: Record<string, ArrayLike<number>> = { adv: inputs.advantages, old: inputs.oldLogProbs };
	if (useKl) columns.ref = inputs.refLogProbs as ArrayLike<number>;
	if (value !== undefined) {
		columns.ret = value.returns;
		columns.oldV = value.oldValues;
	}
	const size = Math.max(1, config.miniBatchSize);
	const merge = config.mergeDuplicates && config.aggregation === "token-mean";
	const micro = Math.max(1, config.microBatchSize);
	for (let epoch = 0; epoch < config.epochs; epoch++) {
		const order = rng.shuffle(trainable);
		for (let s = 0; s < order.length; s += size) {
			const all: TokenRow[] = order.slice(s, s + size);
			const merged = merge ? mergeRows(all, batch.tokenStart, columns, value !== undefined ? ["ret"] : []) : undefined;
			const rows: ReadonlyArray<TokenRow | MergedRow> = merged?.rows ?? all;
			const count = (r: TokenRow | MergedRow) => ("count" in r ? r.count : 1);
			const chunks: Array<Array<TokenRow | MergedRow>> = [];
			for (let m = 0; m < rows.length; m += micro) chunks.push(rows.slice(m, m + micro));
			const tokens = rows.reduce((n, r) => n + r.actionLen * count(r), 0);
			// micro-batch weights reproduce the mini-batch aggregate: token share for token-mean, row share otherwise
			const weights = chunks.map((c) =>
				config.aggregation === "token-mean"
					? c.reduce((n, r) => n + r.actionLen * count(r), 0) / tokens
					: c.length / rows.length,
			);
			const packs = chunks.map((c) =>
				merged !== undefined
					? packRows(c, merged.tokenStart, merged.columns, inputs.pad ?? 0)
					: packRows(c, batch.tokenStart, columns, inputs.pad ?? 0),
			);
			/** Token counts of chunk i: all rows, and those with a positive / negative advantage (merged only). */
			const sums = chunks.map((c) =>
				merged !== undefined
					? {
							all: columnSum(merged, c as MergedRow[], "w"),
							pos: columnSum(merged, c as MergedRow[], "wPos"),
							neg: columnSum(merged, c as MergedRow[], "wNeg"),
						}
					: undefined,
			);
			const aux: Array<Record<string, tf.Scalar>> = chunks.map(() => ({}));
			try {
				/** Clipped value loss of chunk `i` (values read before each token), recorded in its metrics. */
				const valueTerm = (values: tf.Tensor, i: number): tf.Scalar => {
					const packed = packs[i] as (typeof packs)[number];
					const a = aux[i] as Record<string, tf.Scalar>;
					const c = packed.columns as Record<string, tf.Tensor2D>;
					const [B, T] = packed.ids.shape;
					const vl = valueLoss(
						tf.slice(values, [0, 0], [B, T - 1]),
						c.oldV as tf.Tensor,
						c.ret as tf.Tensor,
						c.w ?? packed.mask,
						config.valueClip,
						config.aggregation,
					);
					a["losses/value_clip_frac"] = tf.keep(vl.clipFrac);
					a["losses/value_loss"] = tf.keep(tf.clone(vl.loss));
					return vl.loss;
				};
				const policyLoss = (i: number) => (): tf.Scalar => {
					const packed = packs[i] as (typeof packs)[number];
					const a = aux[i] as Record<string, tf.Scalar>;
					const c = packed.columns as Record<string, tf.Tensor2D>;
					const o = evaluateTokens(model, packed.ids, { temperature: config.temperature, entropy: true });
					const clip = {
						clipRatio: config.clipRatio,
						clipRatioC: config.clipRatioC,
						aggregation: config.aggregation,
					};
					const sum = sums[i];
					const weight = c.w ?? packed.mask;
					const pg =
						sum === undefined
							? ppoClipLoss(o.logProbs, c.old as tf.Tensor, c.adv as tf.Tensor, packed.mask, clip)
							: mergedClipLoss(o.logProbs, c, sum, clip);
					const ent = entropyLoss(o.entropy as tf.Tensor, weight, config.aggregation);
					let loss: tf.Scalar = tf.sub(pg.loss, tf.mul(ent, config.entropyCoef));
					a["losses/pg_loss"] = tf.keep(pg.loss);
					a["losses/entropy"] = tf.keep(ent);
					a["losses/clip_frac"] = tf.keep(pg.clipFrac);
					a["losses/clip_frac_lower"] = tf.keep(pg.clipFracLower);
					a["losses/approx_kl"] = tf.keep(pg.approxKl);
					if (useKl) {
						const kl = aggregateLoss(
							klPenalty(o.logProbs, c.ref as tf.Tensor, config.klEstimator),
							weight,
							config.aggregation,
						);
						a["losses/kl"] = tf.keep(kl);
						loss = tf.add(loss, tf.mul(kl, config.klCoef));
					}
					if (shared) loss = tf.add(loss, tf.mul(valueTerm(o.values, i), config.valueCoef));
					a["losses/policy_loss"] = tf.keep(tf.clone(loss));
					return loss;
				};
				const step = accumulatedStep(
					optimizer,
					model.variables(),
					chunks.map((_, i) => policyLoss(i)),
					weights,
					config.maxGradNorm,
				);
				if (!step.applied) skipped++;
				add("losses/grad_norm", step.gradNorm);
				if (value?.critic !== undefined) {
					const critic = value.critic;
					const criticLoss = (i: number) => (): tf.Scalar => {
						const { hidden } = critic.model.forward((packs[i] as (typeof packs)[number]).ids);
						return valueTerm(critic.model.values(hidden), i);
					};
					const cs = accumulatedStep(
						critic.optimizer,
						critic.model.variables(),
						chunks.map((_, i) => criticLoss(i)),
						weights,
						config.maxGradNorm,
					);
					add("losses/critic_grad_norm", cs.gradNorm);
				}
				aux.forEach((a, i) => {
					for (const [k, t] of Object.entries(a)) add(k, (weights[i] as number) * (t.dataSync()[0] as number));
				});
				steps++;
			} finally {
				for (const a of aux) tf.dispose(Object.values(a));
				for (const p of packs) disposePacked(p);
			}
		}
	}
	const out: Record<string, number> = {};
	for (const k of MEANS) if (sums.has(k)) out[k] = (sums.get(k) as number) / Math.max(1, steps);
	out["losses/optimizer_steps"] = steps;
	out["losses/skipped_steps"] = skipped;
	return out;
};

/**
 * The clipped surrogate of a merged mini-batch (`mergeRows`): the positive and the negative
 * advantages of each token's duplicates as two weighted token means, rescaled to the share of all
 * tokens, which equals the token-mean loss (and clip fractions) of the unmerged rows.
 */
const mergedClipLoss = (
	logProbs: tf.Tensor,
	c: Record<string, tf.Tensor2D>,
	sum: { readonly all: number; readonly pos: number; readonly neg: number },
	clip: { clipRatio: number; clipRatioC: number; aggregation: LossAggregation },
): PpoClipResult => {
	const all = Math.max(sum.all, 1);
	const pos = ppoClipLoss(logProbs, c.old as tf.Tensor, c.advPos as tf.Tensor, c.wPos as tf.Tensor, clip);
	const neg = ppoClipLoss(logProbs, c.old as tf.Tensor, c.advNeg as tf.Tensor, c.wNeg as tf.Tensor, clip);
	const share = (p: tf.Scalar, n: tf.Scalar) => tf.add(tf.mul(p, sum.pos / all), tf.mul(n, sum.neg / all)) as tf.Scalar;
	const out: PpoClipResult = {
		loss: share(pos.loss, neg.loss),
		clipFrac: share(pos.clipFrac, neg.clipFrac),
		clipFracLower: share(pos.clipFracLower, neg.clipFracLower),
		approxKl: approxKlOf(clampedLogRatio(logProbs, c.old as tf.Tensor), c.w as tf.Tensor),
	};
	tf.dispose([pos.clipFrac, pos.clipFracLower, pos.approxKl, neg.clipFrac, neg.clipFracLower, neg.approxKl]);
	return out;
};
