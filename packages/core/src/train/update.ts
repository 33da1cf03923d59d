import * as tf from "@tensorflow/tfjs-core";
import { attentionRows } from "../policy/config.ts";
import type { PolicyModel } from "../policy/policy-model.ts";
import { balancedChunks } from "../util/chunks.ts";
import { Rng } from "../util/rng.ts";
import {
	disposePacked,
	type PackedArrays,
	type PackedRows,
	packedTensors,
	packRowArrays,
	type RowBatch,
	type TokenRow,
} from "./batch.ts";
import {
	type ChunkAux,
	type ChunkJob,
	type ChunkLossSettings,
	type ChunkResult,
	chunkGradient,
	type GradientHelpers,
	type MergedSums,
	policyChunkLoss,
	readAux,
	valueChunkLoss,
} from "./chunk-loss.ts";
import type { KlEstimator, LossAggregation } from "./losses.ts";
import { columnSum, type MergedRow, mergeRows } from "./merge.ts";
import { accumulatedStep } from "./optim.ts";

/** Loss and optimisation settings shared by the group-relative and PPO trainers (verl defaults). */
export interface UpdateConfig {
	/** Passes over the batch (verl `ppo_epochs`, default 1). */
	readonly epochs: number;
	/** Step rows per mini-batch (one optimizer step each; default 64). */
	readonly miniBatchSize: number;
	/**
	 * Most step rows per forward/backward pass inside a mini-batch (gradient accumulation; default 32):
	 * bounds memory. A mini-batch is cut into the fewest such chunks, of even sizes.
	 */
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

/** Defaults of {@link UpdateConfig} (docs/credit/README.md, verl `ppo_trainer.yaml`). */
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
	readonly critic?: { readonly model: PolicyModel; readonly optimizer: tf.Optimizer };
}

/** Inputs of {@link runUpdate}: everything per token in the batch's flat token layout. */
export interface UpdateInputs {
	readonly model: PolicyModel;
	readonly optimizer: tf.Optimizer;
	readonly batch: RowBatch;
	readonly advantages: ArrayLike<number>;
	readonly oldLogProbs: ArrayLike<number>;
	/** Reference log-probs (needed when `klCoef > 0`). */
	readonly refLogProbs?: ArrayLike<number>;
	readonly value?: ValueTargets;
	/**
	 * false: only the separate critic (`value.critic`) learns and the policy is left unchanged (a
	 * critic warm-up); default true.
	 */
	readonly trainPolicy?: boolean;
	/** Seed of the mini-batch order. */
	readonly seed: number;
	readonly pad?: number;
	/**
	 * Threads that compute a share of each mini-batch's policy-gradient chunks (data-parallel; the
	 * same weights as without them: the chunks' gradients are summed in the same order).
	 */
	readonly helpers?: GradientHelpers;
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
	const trainPolicy = inputs.trainPolicy ?? true;
	if (!trainPolicy && value?.critic === undefined)
		throw new Error("runUpdate: trainPolicy false leaves nothing to train without a separate critic");
	const columns: Record<string, ArrayLike<number>> = { adv: inputs.advantages, old: inputs.oldLogProbs };
	if (useKl) columns.ref = inputs.refLogProbs as ArrayLike<number>;
	if (value !== undefined) {
		columns.ret = value.returns;
		columns.oldV = value.oldValues;
	}
	const size = Math.max(1, config.miniBatchSize);
	const merge = config.mergeDuplicates && config.aggregation === "token-mean";
	// long contexts: micro-batches shrink to what the attention budget holds (short ones are never cut)
	const micro = attentionRows(model.config, Math.max(1, config.microBatchSize));
	const settings: ChunkLossSettings = {
		temperature: config.temperature,
		clipRatio: config.clipRatio,
		clipRatioC: config.clipRatioC,
		aggregation: config.aggregation,
		entropyCoef: config.entropyCoef,
		klCoef: useKl ? config.klCoef : 0,
		klEstimator: config.klEstimator,
		sharedValue: shared,
		valueCoef: config.valueCoef,
		valueClip: config.valueClip,
	};
	for (let epoch = 0; epoch < config.epochs; epoch++) {
		const order = rng.shuffle(trainable);
		for (let s = 0; s < order.length; s += size) {
			const all: TokenRow[] = order.slice(s, s + size);
			const merged = merge ? mergeRows(all, batch.tokenStart, columns, value !== undefined ? ["ret"] : []) : undefined;
			const rows: ReadonlyArray<TokenRow | MergedRow> = merged?.rows ?? all;
			const count = (r: TokenRow | MergedRow) => ("count" in r ? r.count : 1);
			const chunks = balancedChunks(rows, micro);
			const tokens = rows.reduce((n, r) => n + r.actionLen * count(r), 0);
			// micro-batch weights reproduce the mini-batch aggregate: token share for token-mean, row share otherwise
			const weights = chunks.map((c) =>
				config.aggregation === "token-mean"
					? c.reduce((n, r) => n + r.actionLen * count(r), 0) / tokens
					: c.length / rows.length,
			);
			const arrays: PackedArrays[] = chunks.map((c) =>
				merged !== undefined
					? packRowArrays(c, merged.tokenStart, merged.columns, inputs.pad ?? 0)
					: packRowArrays(c, batch.tokenStart, columns, inputs.pad ?? 0),
			);
			const packs = arrays.map(packedTensors);
			/** Token counts of chunk i: all rows, and those with a positive / negative advantage (merged only). */
			const chunkSums: Array<MergedSums | undefined> = chunks.map((c) =>
				merged !== undefined
					? {
							all: columnSum(merged, c as MergedRow[], "w"),
							pos: columnSum(merged, c as MergedRow[], "wPos"),
							neg: columnSum(merged, c as MergedRow[], "wNeg"),
						}
					: undefined,
			);
			const aux: ChunkAux[] = chunks.map(() => ({}));
			try {
				const helpers =
					inputs.helpers !== undefined && inputs.helpers.size > 0 && chunks.length > 1 ? inputs.helpers : undefined;
				const computed =
					trainPolicy && helpers !== undefined
						? parallelGradients(model, helpers, packs, arrays, chunkSums, settings)
						: undefined;
				if (trainPolicy) {
					const step = accumulatedStep(
						optimizer,
						model.variables(),
						computed ??
							chunks.map(
								(_, i) => () =>
									policyChunkLoss(model, packs[i] as PackedRows, chunkSums[i], settings, aux[i] as ChunkAux),
							),
						weights,
						config.maxGradNorm,
					);
					if (!step.applied) skipped++;
					add("losses/grad_norm", step.gradNorm);
				}
				if (value?.critic !== undefined) {
					const critic = value.critic;
					const criticLoss = (i: number) => (): tf.Scalar => {
						const packed = packs[i] as PackedRows;
						const { hidden } = critic.model.forward(packed.ids);
						return valueChunkLoss(critic.model.values(hidden), packed, settings, aux[i] as ChunkAux);
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
					const chunk = { ...computed?.[i]?.aux, ...readAux(a) };
					for (const [k, v] of Object.entries(chunk)) add(k, (weights[i] as number) * v);
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
 * The chunks' policy gradients with `helpers`: the chunks are cut into contiguous shares, the first
 * computed here while each helper computes one of the others with the same weights; returned in
 * chunk order, so the accumulated gradient is the one a single thread computes.
 */
const parallelGradients = (
	model: PolicyModel,
	helpers: GradientHelpers,
	packs: ReadonlyArray<PackedRows>,
	arrays: ReadonlyArray<PackedArrays>,
	sums: ReadonlyArray<MergedSums | undefined>,
	settings: ChunkLossSettings,
): ChunkResult[] => {
	const parties = Math.min(helpers.size + 1, packs.length);
	const share = Math.ceil(packs.length / parties);
	const job = (i: number): ChunkJob => ({
		arrays: arrays[i] as PackedArrays,
		...(sums[i] !== undefined ? { sums: sums[i] } : {}),
	});
	const shares: ChunkJob[][] = [];
	for (let from = share; from < packs.length; from += share)
		shares.push(arrays.slice(from, from + share).map((_, k) => job(from + k)));
	const weights = model.variables().map((v) => v.dataSync() as Float32Array);
	const pending = helpers.postGradients(weights, shares, settings);
	const own = packs.slice(0, share).map((p, i) => chunkGradient(model, p, sums[i], settings));
	return [...own, ...pending.wait().flat()];
};
