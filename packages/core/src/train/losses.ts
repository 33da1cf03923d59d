import * as tf from "@tensorflow/tfjs-core";

/**
 * The token losses of the trainers (docs/credit/README.md, docs/credit/gigpo.md; verl's `core_algos.py`), over `[B, T]`
 * tensors and a 0/1 `mask` of the tokens that count (the action tokens). All functions are pure
 * tensor expressions (differentiable where it matters); call them inside `tf.tidy` or a gradient
 * closure.
 */

/** How per-token losses become one scalar (verl's `loss_agg_mode`). */
export type LossAggregation = "token-mean" | "seq-mean-token-mean" | "seq-mean-token-sum";

/**
 * Aggregate a per-token loss `[B, T]` under `mask`:
 * - `token-mean` (default, verl-agent): Σ loss·mask / Σ mask over the whole mini-batch;
 * - `seq-mean-token-mean`: the mean over rows (with any token) of each row's masked token mean;
 * - `seq-mean-token-sum`: the mean over rows of each row's masked token sum.
 * An all-zero mask gives 0.
 */
export const aggregateLoss = (loss: tf.Tensor, mask: tf.Tensor, mode: LossAggregation = "token-mean"): tf.Scalar =>
	tf.tidy(() => {
		const masked = tf.mul(loss, mask);
		if (mode === "token-mean") return tf.div(tf.sum(masked), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
		const rowTokens = tf.sum(mask, -1);
		const rowHas = tf.cast(tf.greater(rowTokens, 0), "float32");
		const rowLoss =
			mode === "seq-mean-token-sum" ? tf.sum(masked, -1) : tf.div(tf.sum(masked, -1), tf.maximum(rowTokens, 1));
		return tf.div(tf.sum(tf.mul(rowLoss, rowHas)), tf.maximum(tf.sum(rowHas), 1)) as tf.Scalar;
	});

/** `Σ x·mask / Σ mask` (0 for an empty mask). */
export const maskedMean = (x: tf.Tensor, mask: tf.Tensor): tf.Scalar => aggregateLoss(x, mask, "token-mean");

/** `clamp(logp − oldLogp, −20, 20)`: the log importance ratio of PPO's surrogate (verl's clamp). */
export const clampedLogRatio = (logProbs: tf.Tensor, oldLogProbs: tf.Tensor): tf.Tensor =>
	tf.clipByValue(tf.sub(logProbs, oldLogProbs), -20, 20);

/** PPO's `approx_kl` diagnostic: the masked mean of −log r. */
export const approxKlOf = (logRatioTokens: tf.Tensor, mask: tf.Tensor): tf.Scalar =>
	maskedMean(tf.neg(logRatioTokens), mask);

/** Options of {@link ppoClipLoss}. */
export interface PpoClipOptions {
	/** ε of the clipped ratio `[1 − ε_low, 1 + ε_high]` (verl `clip_ratio`, default 0.2). */
	readonly clipRatio?: number;
	/** Lower ε (default `clipRatio`). */
	readonly clipRatioLow?: number;
	/** Upper ε (default `clipRatio`). */
	readonly clipRatioHigh?: number;
	/** Dual-clip constant c > 1 (verl `clip_ratio_c`, default 3): negative-advantage losses are capped at −A·c. */
	readonly clipRatioC?: number;
	readonly aggregation?: LossAggregation;
}

/** What {@link ppoClipLoss} returns (scalars). */
export interface PpoClipResult {
	/** The aggregated clipped surrogate loss (to minimise). */
	readonly loss: tf.Scalar;
	/** Share of masked tokens where the clipped term was the larger (binding) one. */
	readonly clipFrac: tf.Scalar;
	/** Share of masked tokens where the dual clip bound (A < 0 and the loss exceeded −A·c). */
	readonly clipFracLower: tf.Scalar;
	/** `mean(old − new)` log-prob: the first-order KL estimate between the rollout and the current policy. */
	readonly approxKl: tf.Scalar;
}

/**
 * PPO's clipped surrogate with dual clip (verl `compute_policy_loss`): with
 * `r = exp(clamp(logp − oldLogp, −20, 20))`,
 * `L1 = max(−A·r, −A·clip(r, 1−ε_low, 1+ε_high))`, and for A < 0 the dual clip `min(L1, −A·c)`;
 * aggregated under `mask`. `advantages` are per token (a step's advantage broadcast over its tokens).
 */
export const ppoClipLoss = (
	logProbs: tf.Tensor,
	oldLogProbs: tf.Tensor,
	advantages: tf.Tensor,
	mask: tf.Tensor,
	options: PpoClipOptions = {},
): PpoClipResult => {
	const eps = options.clipRatio ?? 0.2;
	const low = options.clipRatioLow ?? eps;
	const high = options.clipRatioHigh ?? eps;
	const c = options.clipRatioC ?? 3;
	if (!(c > 1)) throw new RangeError(`ppoClipLoss: clipRatioC must be > 1, got ${c}`);
	const out = tf.tidy(() => {
		const logR = clampedLogRatio(logProbs, oldLogProbs);
		const ratio = tf.exp(logR);
		const negA = tf.neg(advantages);
		const l1 = tf.mul(negA, ratio);
		const l2 = tf.mul(negA, tf.clipByValue(ratio, 1 - low, 1 + high));
		const clipped = tf.maximum(l1, l2);
		const l3 = tf.mul(negA, c);
		const dual = tf.minimum(l3, clipped);
		const negative = tf.less(advantages, 0);
		const perToken = tf.where(negative, dual, clipped);
		const loss = aggregateLoss(perToken, mask, options.aggregation);
		const clipFrac = maskedMean(tf.cast(tf.greater(l2, l1), "float32"), mask);
		const clipFracLower = maskedMean(
			tf.mul(tf.cast(tf.greater(clipped, l3), "float32"), tf.cast(negative, "float32")),
			mask,
		);
		return [loss, clipFrac, clipFracLower, approxKlOf(logR, mask)] as tf.Scalar[];
	});
	const [loss, clipFrac, clipFracLower, approxKl] = out as [tf.Scalar, tf.Scalar, tf.Scalar, tf.Scalar];
	return { loss, clipFrac, clipFracLower, approxKl };
};

/**
 * Per-token KL estimate between the current policy and a frozen reference (verl `kl_penalty`):
 * - `low_var_kl` (k3, default): `kl = clamp(ref − logp, −20, 20)`; `clamp(exp(kl) − kl − 1, −10, 10)`;
 * - `kl` (k1): `logp − ref`; `abs`: `|logp − ref|`; `mse` (k2): `½(logp − ref)²`.
 */
export type KlEstimator = "low_var_kl" | "kl" | "abs" | "mse";

/** Per-token KL penalty `[B, T]` of the current log-probs against the reference ones. */
export const klPenalty = (
	logProbs: tf.Tensor,
	refLogProbs: tf.Tensor,
	estimator: KlEstimator = "low_var_kl",
): tf.Tensor =>
	tf.tidy(() => {
		const diff = tf.sub(logProbs, refLogProbs);
		if (estimator === "kl") return diff;
		if (estimator === "abs") return tf.abs(diff);
		if (estimator === "mse") return tf.mul(tf.square(diff), 0.5);
		const kl = tf.clipByValue(tf.neg(diff), -20, 20);
		return tf.clipByValue(tf.sub(tf.sub(tf.exp(kl), kl), 1), -10, 10);
	});

/** Aggregated entropy of the next-token distributions under `mask` (the bonus is `−coef·entropy`). */
export const entropyLoss = (entropy: tf.Tensor, mask: tf.Tensor, mode: LossAggregation = "token-mean"): tf.Scalar =>
	aggregateLoss(entropy, mask, mode);

/** What {@link valueLoss} returns. */
export interface ValueLossResult {
	/** `½ · agg(max((V − R)², (V_clipped − R)²))`. */
	readonly loss: tf.Scalar;
	/** Share of masked tokens where the clipped error was the larger one. */
	readonly clipFrac: tf.Scalar;
}

/**
 * The critic's clipped value loss (verl `compute_value_loss`): `V_clipped = oldV + clip(V − oldV, −ε, ε)`,
 * loss `½·agg(max((V − R)², (V_clipped − R)²))` under `mask`. `clipRange` ≤ 0 or ∞ disables clipping.
 */
export const valueLoss = (
	values: tf.Tensor,
	oldValues: tf.Tensor,
	returns: tf.Tensor,
	mask: tf.Tensor,
	clipRange = 0.5,
	mode: LossAggregation = "token-mean",
): ValueLossResult => {
	const out = tf.tidy(() => {
		const e1 = tf.square(tf.sub(values, returns));
		if (!(clipRange > 0) || !Number.isFinite(clipRange))
			return [tf.mul(aggregateLoss(e1, mask, mode), 0.5), tf.scalar(0)] as tf.Scalar[];
		const clipped = tf.add(oldValues, tf.clipByValue(tf.sub(values, oldValues), -clipRange, clipRange));
		const e2 = tf.square(tf.sub(clipped, returns));
		const loss = tf.mul(aggregateLoss(tf.maximum(e1, e2), mask, mode), 0.5);
		const clipFrac = maskedMean(tf.cast(tf.greater(e2, e1), "float32"), mask);
		return [loss, clipFrac] as tf.Scalar[];
	});
	return { loss: out[0] as tf.Scalar, clipFrac: out[1] as tf.Scalar };
};

/**
 * SPA's progress-estimator loss (docs/credit/spa.md): per-step contributions `c` `[N]` (one per step,
 * read at the last token of its action) are summed per trajectory with `segments` `[N]` (the
 * trajectory index of each step, `0..nTrajectories−1`), and the loss is the mean over trajectories
 * of `(Σ_k c_k − R)²` with `outcomes` `[nTrajectories]`. A trajectory with no step predicts 0.
 */
export const progressLoss = (
	contributions: tf.Tensor1D,
	segments: ReadonlyArray<number>,
	outcomes: tf.Tensor1D,
): tf.Scalar =>
	tf.tidy(() => {
		const n = outcomes.shape[0];
		const N = contributions.shape[0];
		const onehot = new Float32Array(n * N);
		segments.forEach((k, i) => {
			if (k < 0 || k >= n)
				throw new RangeError(`progressLoss: step ${i} belongs to trajectory ${k}, outside 0..${n - 1}`);
			onehot[k * N + i] = 1;
		});
		const summed = tf.reshape(tf.matMul(tf.tensor2d(onehot, [n, N]), tf.reshape(contributions, [N, 1])), [n]);
		return tf.mean(tf.square(tf.sub(summed, outcomes))) as tf.Scalar;
	});
