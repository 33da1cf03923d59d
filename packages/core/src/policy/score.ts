import * as tf from "@tensorflow/tfjs-core";
import { shareOut } from "../util/chunks.ts";
import { attentionRows } from "./config.ts";
import type { PolicyModel } from "./policy-model.ts";

/** Token sequences right-padded into one `[B, T]` int32 batch. */
export interface PackedBatch {
	/** `[B, T]` ids, right-padded with `pad`. */
	readonly ids: tf.Tensor2D;
	/** Real length of each row. */
	readonly lengths: ReadonlyArray<number>;
}

/** Right-pad sequences to the longest one (or `length`) into a `[B, T]` int32 tensor. */
export const packSequences = (
	seqs: ReadonlyArray<ReadonlyArray<number>>,
	pad: number,
	length?: number,
): PackedBatch => {
	const T = length ?? Math.max(1, ...seqs.map((s) => s.length));
	const data = new Int32Array(seqs.length * T).fill(pad);
	seqs.forEach((s, b) => {
		if (s.length > T) throw new Error(`packSequences: row ${b} has ${s.length} tokens, more than ${T}`);
		data.set(s, b * T);
	});
	return { ids: tf.tensor2d(data, [seqs.length, T], "int32"), lengths: seqs.map((s) => s.length) };
};

/** A `[B, T]` float mask from per-row 0/1 arrays (right-padded with 0). */
export const packMask = (rows: ReadonlyArray<ArrayLike<number>>, T: number): tf.Tensor2D => {
	const data = new Float32Array(rows.length * T);
	rows.forEach((r, b) => {
		for (let t = 0; t < Math.min(T, r.length); t++) data[b * T + t] = r[t] as number;
	});
	return tf.tensor2d(data, [rows.length, T]);
};

/**
 * `logits − logSumExp(logits)` over the last axis: the same ops as before, so the same values,
 * with the gradient written out (`dy − softmax · Σ dy`). Autodiff through logSumExp's max shift
 * costs a max-gradient pass (an Equal mask and a broadcast over B·T·V) whose terms cancel.
 */
const logSoftmaxLast = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
	const logits = args[0] as tf.Tensor;
	const save = args[1] as tf.GradSaveFunc;
	const value = tf.sub(logits, tf.logSumExp(logits, -1, true));
	save([value]);
	return {
		value,
		gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
			tf.sub(dy, tf.mul(tf.exp(saved[0] as tf.Tensor), tf.sum(dy, -1, true))),
	};
}) as (logits: tf.Tensor) => tf.Tensor;

/** Differentiable per-token outputs of {@link evaluateTokens}. */
export interface TokenOutputs {
	/** `[B, T-1]`: log p(ids[t+1] | ids[≤t]) at temperature τ (the log-prob of each token given its prefix, shifted by one). */
	readonly logProbs: tf.Tensor2D;
	/** `[B, T]` value-head outputs. */
	readonly values: tf.Tensor2D;
	/** `[B, T]` progress-head outputs. */
	readonly progress: tf.Tensor2D;
	/** `[B, T-1]` entropy of the next-token distribution (only when asked). */
	readonly entropy?: tf.Tensor2D;
}

/**
 * One forward pass over a right-padded batch giving, differentiably, each token's log-prob under
 * the model (at `temperature`, the same scaling generation samples with), the value and progress
 * heads at every position and optionally the entropy. This is what the SFT, PPO and group-relative
 * trainers put inside `tf.variableGrads`. Positions past a row's length are garbage: mask them.
 */
export const evaluateTokens = (
	model: PolicyModel,
	ids: tf.Tensor2D,
	options: { readonly temperature?: number; readonly entropy?: boolean } = {},
): TokenOutputs => {
	const [B, T] = ids.shape;
	const V = model.config.vocabSize;
	const { hidden } = model.forward(ids);
	const values = model.values(hidden);
	const progress = model.progress(hidden);
	if (T < 2) return { logProbs: tf.zeros([B, 0]), values, progress };
	const h = tf.slice(hidden, [0, 0, 0], [B, T - 1, model.config.dModel]) as tf.Tensor3D;
	let logits: tf.Tensor = model.logits(h);
	const temperature = options.temperature ?? 1;
	if (temperature !== 1) logits = tf.div(logits, temperature);
	const logp = logSoftmaxLast(logits);
	const targets = tf.slice(ids, [0, 1], [B, T - 1]);
	const logProbs = tf.sum(tf.mul(logp, tf.oneHot(targets, V)), -1) as tf.Tensor2D;
	if (!options.entropy) return { logProbs, values, progress };
	const entropy = tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1)) as tf.Tensor2D;
	return { logProbs, values, progress, entropy };
};

/** Differentiable outputs of {@link evaluateAt}, one entry per pick. */
export interface PickedOutputs {
	/** `[N]`: log p(ids[row, pos] | ids[row, < pos]) at temperature τ. */
	readonly logProbs: tf.Tensor1D;
	/** `[N]`: value head at position `pos - 1` (the state the token is generated from). */
	readonly values: tf.Tensor1D;
	/** `[N]` entropy of the distribution token `pos` was drawn from (only when asked). */
	readonly entropy?: tf.Tensor1D;
}

/**
 * Like {@link evaluateTokens}, but the LM head and softmax run only at the picked tokens
 * (`[row, pos]` pairs, `pos ≥ 1`): the cheap form for losses over action tokens only (SFT, PPO,
 * GRPO), where prompts are much longer than answers.
 */
export const evaluateAt = (
	model: PolicyModel,
	ids: tf.Tensor2D,
	picks: ReadonlyArray<readonly [number, number]>,
	options: { readonly temperature?: number; readonly entropy?: boolean } = {},
): PickedOutputs => {
	const [B, T] = ids.shape;
	const D = model.config.dModel;
	const V = model.config.vocabSize;
	const idsData = ids.dataSync();
	const prev = new Int32Array(picks.length);
	const targets = new Int32Array(picks.length);
	picks.forEach(([b, t], i) => {
		if (b < 0 || b >= B || t < 1 || t >= T)
			throw new Error(`evaluateAt: pick [${b}, ${t}] outside [${B}, 1..${T - 1}]`);
		prev[i] = b * T + t - 1;
		targets[i] = idsData[b * T + t] as number;
	});
	const { hidden } = model.forward(ids);
	const h = tf.gather(tf.reshape(hidden, [B * T, D]), tf.tensor1d(prev, "int32")) as tf.Tensor2D;
	const h3 = tf.reshape(h, [1, picks.length, D]) as tf.Tensor3D;
	let logits: tf.Tensor = tf.reshape(model.logits(h3), [picks.length, V]);
	const temperature = options.temperature ?? 1;
	if (temperature !== 1) logits = tf.div(logits, temperature);
	const logp = logSoftmaxLast(logits);
	const logProbs = tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(targets, "int32"), V)), -1) as tf.Tensor1D;
	const values = tf.reshape(model.values(h3), [picks.length]) as tf.Tensor1D;
	if (!options.entropy) return { logProbs, values };
	const entropy = tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1)) as tf.Tensor1D;
	return { logProbs, values, entropy };
};

/** Plain-array scores of one sequence (see {@link scoreSequences}). */
export interface SequenceScores {
	/** `length - 1` entries: log p(token t+1 | prefix). */
	readonly logProbs: Float32Array;
	/** `length` value-head outputs. */
	readonly values: Float32Array;
	/** `length` progress-head outputs. */
	readonly progress: Float32Array;
}

/** Options of {@link scoreSequences}. */
export interface ScoreOptions {
	/** Sequences per forward pass (default 32). */
	readonly batchSize?: number;
	readonly temperature?: number;
	readonly pad?: number;
}

/**
 * Threads that score batches of sequences beside the calling one (a rollout pool's workers):
 * `postScores` hands helper i the batches of `shares[i]` with the weights to score them with and
 * returns at once; `wait()` blocks until every share is in and returns each batch's scores in order.
 */
export interface ScoreHelpers {
	readonly size: number;
	postScores(
		weights: ReadonlyArray<Float32Array>,
		shares: ReadonlyArray<ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>>>,
		options: Omit<ScoreOptions, "batchSize">,
	): { wait(): SequenceScores[][][] };
}

/** One forward pass over one batch of sequences (right-padded): their scores, in order. */
export const scoreBatch = (
	model: PolicyModel,
	rows: ReadonlyArray<ReadonlyArray<number>>,
	options: Omit<ScoreOptions, "batchSize"> = {},
): SequenceScores[] => {
	const packed = packSequences(rows, options.pad ?? 0);
	const T = packed.ids.shape[1];
	const [lp, v, p] = tf.tidy(() => {
		const o = evaluateTokens(
			model,
			packed.ids,
			options.temperature !== undefined ? { temperature: options.temperature } : {},
		);
		return [o.logProbs, o.values, o.progress];
	});
	packed.ids.dispose();
	const lpData = lp?.dataSync() as Float32Array;
	const vData = v?.dataSync() as Float32Array;
	const pData = p?.dataSync() as Float32Array;
	tf.dispose([lp, v, p] as tf.Tensor[]);
	return rows.map((row, b) => ({
		logProbs: lpData.slice(b * (T - 1), b * (T - 1) + Math.max(0, row.length - 1)),
		values: vData.slice(b * T, b * T + row.length),
		progress: pData.slice(b * T, b * T + row.length),
	}));
};

/**
 * Score given token sequences in batches (no gradient): per-token log-probs, values and progress
 * estimates, as plain arrays trimmed to each sequence's length. Rows are grouped by length to keep
 * padding low. With `helpers` the batches (a cut that depends on the sequences alone) are shared
 * out: the first share is scored here while each helper scores one of the others, so the scores
 * are the same with or without them.
 */
export const scoreSequences = (
	model: PolicyModel,
	seqs: ReadonlyArray<ReadonlyArray<number>>,
	options: ScoreOptions = {},
	helpers?: ScoreHelpers,
): SequenceScores[] => {
	const longest = seqs.reduce((m, s) => Math.max(m, s.length), 1);
	const batchSize = attentionRows(model.config, options.batchSize ?? 32, longest);
	const order = seqs.map((_, i) => i).sort((a, b) => (seqs[a]?.length ?? 0) - (seqs[b]?.length ?? 0));
	const batches: number[][] = [];
	for (let start = 0; start < order.length; start += batchSize) batches.push(order.slice(start, start + batchSize));
	const rowsOf = (idx: ReadonlyArray<number>) => idx.map((i) => seqs[i] as ReadonlyArray<number>);
	const { batchSize: _, ...rest } = options;
	const scored = shareOut<number[], SequenceScores[]>(
		batches,
		helpers?.size ?? 0,
		(shares) =>
			(helpers as ScoreHelpers).postScores(
				model.variables().map((v) => v.dataSync() as Float32Array),
				shares.map((share) => share.map(rowsOf)),
				rest,
			),
		(idx) => scoreBatch(model, rowsOf(idx), rest),
	);
	const out: SequenceScores[] = new Array(seqs.length);
	batches.forEach((idx, k) => {
		const batch = scored[k];
		if (batch === undefined || batch.length !== idx.length)
			throw new Error(`scoreSequences: batch ${k} came back with ${batch?.length ?? 0} of ${idx.length} scores`);
		idx.forEach((i, b) => {
			out[i] = batch[b] as SequenceScores;
		});
	});
	return out;
};
