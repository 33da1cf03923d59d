import * as tf from "@tensorflow/tfjs-core";
import type { PolicyModel } from "../policy/policy-model.ts";
import { evaluateTokens, type ScoreHelpers } from "../policy/score.ts";
import { disposePacked, type PackedArrays, type PackedRows, packedTensors } from "./batch.ts";
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
import { type ChunkGradient, gradientArrays } from "./optim.ts";

/**
 * The loss settings of one micro-batch ("chunk") of the policy update: structured-clonable, so a
 * gradient worker computes exactly the loss the main thread would.
 */
export interface ChunkLossSettings {
	/** Sampling temperature the log-probs are compared at. */
	readonly temperature: number;
	readonly clipRatio: number;
	readonly clipRatioC: number;
	readonly aggregation: LossAggregation;
	readonly entropyCoef: number;
	/** KL-to-reference coefficient; 0: no KL term (and no `ref` column). */
	readonly klCoef: number;
	readonly klEstimator: KlEstimator;
	/** The clipped value loss joins the policy loss (a critic sharing the policy's trunk; columns `ret`, `oldV`). */
	readonly sharedValue: boolean;
	readonly valueCoef: number;
	readonly valueClip: number;
}

/** Token counts of a merged chunk (see `mergeRows`): all duplicates, and those with a positive / negative advantage. */
export interface MergedSums {
	readonly all: number;
	readonly pos: number;
	readonly neg: number;
}

/** A chunk's scalar metrics (`losses/…`), kept out of the gradient tape until read. */
export type ChunkAux = Record<string, tf.Scalar>;

/** The clipped value loss of a packed chunk (values read before each token), recorded in `aux`. */
export const valueChunkLoss = (
	values: tf.Tensor,
	packed: PackedRows,
	s: Pick<ChunkLossSettings, "valueClip" | "aggregation">,
	aux: ChunkAux,
): tf.Scalar => {
	const c = packed.columns as Record<string, tf.Tensor2D>;
	const [B, T] = packed.ids.shape;
	const vl = valueLoss(
		tf.slice(values, [0, 0], [B, T - 1]),
		c.oldV as tf.Tensor,
		c.ret as tf.Tensor,
		c.w ?? packed.mask,
		s.valueClip,
		s.aggregation,
	);
	aux["losses/value_clip_frac"] = tf.keep(vl.clipFrac);
	aux["losses/value_loss"] = tf.keep(tf.clone(vl.loss));
	return vl.loss;
};

/**
 * The policy loss of a packed chunk: PPO-clip (dual clip) surrogate (of merged duplicates when
 * `sums` is given) − entropy bonus + KL to the reference (+ the shared critic's value loss), its
 * parts recorded in `aux`. Call it inside `tf.variableGrads`.
 */
export const policyChunkLoss = (
	model: PolicyModel,
	packed: PackedRows,
	sums: MergedSums | undefined,
	s: ChunkLossSettings,
	aux: ChunkAux,
): tf.Scalar => {
	const c = packed.columns as Record<string, tf.Tensor2D>;
	const o = evaluateTokens(model, packed.ids, { temperature: s.temperature, entropy: true });
	const clip = { clipRatio: s.clipRatio, clipRatioC: s.clipRatioC, aggregation: s.aggregation };
	const weight = c.w ?? packed.mask;
	const pg =
		sums === undefined
			? ppoClipLoss(o.logProbs, c.old as tf.Tensor, c.adv as tf.Tensor, packed.mask, clip)
			: mergedClipLoss(o.logProbs, c, sums, clip);
	const ent = entropyLoss(o.entropy as tf.Tensor, weight, s.aggregation);
	let loss: tf.Scalar = tf.sub(pg.loss, tf.mul(ent, s.entropyCoef));
	aux["losses/pg_loss"] = tf.keep(pg.loss);
	aux["losses/entropy"] = tf.keep(ent);
	aux["losses/clip_frac"] = tf.keep(pg.clipFrac);
	aux["losses/clip_frac_lower"] = tf.keep(pg.clipFracLower);
	aux["losses/approx_kl"] = tf.keep(pg.approxKl);
	if (s.klCoef > 0) {
		const kl = aggregateLoss(klPenalty(o.logProbs, c.ref as tf.Tensor, s.klEstimator), weight, s.aggregation);
		aux["losses/kl"] = tf.keep(kl);
		loss = tf.add(loss, tf.mul(kl, s.klCoef));
	}
	if (s.sharedValue) loss = tf.add(loss, tf.mul(valueChunkLoss(o.values, packed, s, aux), s.valueCoef));
	aux["losses/policy_loss"] = tf.keep(tf.clone(loss));
	return loss;
};

/** Read a chunk's metrics as numbers and dispose their tensors. */
export const readAux = (aux: ChunkAux): Record<string, number> => {
	const out: Record<string, number> = {};
	for (const [k, t] of Object.entries(aux)) out[k] = t.dataSync()[0] as number;
	tf.dispose(Object.values(aux));
	return out;
};

/** A chunk's policy gradient, loss value and metrics, as computed by {@link chunkGradient}. */
export interface ChunkResult extends ChunkGradient {
	readonly aux: Readonly<Record<string, number>>;
}

/**
 * The policy-loss gradient of one packed chunk with respect to `model`'s variables, as arrays in
 * `model.variables()` order (`undefined` where the loss does not reach a variable): what a gradient
 * worker sends back, and what the main thread computes for its own share. Leaks no tensors.
 */
export const chunkGradient = (
	model: PolicyModel,
	packed: PackedRows,
	sums: MergedSums | undefined,
	s: ChunkLossSettings,
): ChunkResult => {
	const aux: ChunkAux = {};
	try {
		const gradient = gradientArrays(model.variables(), () => policyChunkLoss(model, packed, sums, s, aux));
		return { ...gradient, aux: readAux(aux) };
	} finally {
		tf.dispose(Object.values(aux));
	}
};

/** A chunk a gradient helper computes: its packed arrays and, for merged rows, its token counts. */
export interface ChunkJob {
	readonly arrays: PackedArrays;
	readonly sums?: MergedSums;
}

/** {@link chunkGradient} of a chunk that arrived as arrays (a gradient worker's side). Leaks no tensors. */
export const jobGradient = (model: PolicyModel, job: ChunkJob, s: ChunkLossSettings): ChunkResult => {
	const packed = packedTensors(job.arrays);
	try {
		return chunkGradient(model, packed, job.sums, s);
	} finally {
		disposePacked(packed);
	}
};

/**
 * Threads that compute chunk gradients beside the calling one (a `RolloutPool`'s workers), and
 * score the update's rows before it (old and reference log-probs, the critic's values):
 * `postGradients` hands each helper one share of chunks and the weights to use, and returns at once;
 * `wait()` blocks the calling thread until every share is in, then returns the results per share,
 * in order.
 */
export interface GradientHelpers extends ScoreHelpers {
	readonly size: number;
	postGradients(
		weights: ReadonlyArray<Float32Array>,
		shares: ReadonlyArray<ReadonlyArray<ChunkJob>>,
		settings: ChunkLossSettings,
	): { wait(): ChunkResult[][] };
}

/**
 * The clipped surrogate of a merged chunk (`mergeRows`): the positive and the negative advantages of
 * each token's duplicates as two weighted token means, rescaled to the share of all tokens, which
 * equals the token-mean loss (and clip fractions) of the unmerged rows.
 */
const mergedClipLoss = (
	logProbs: tf.Tensor,
	c: Record<string, tf.Tensor2D>,
	sum: MergedSums,
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
