import * as tf from "@tensorflow/tfjs-core";
import type { PolicyModel } from "../policy/policy-model.ts";
import { type Trajectory, type TrajectoryBatch, type TrajectoryStep, unchangedState } from "../trajectory/schema.ts";
import { shareOut } from "../util/chunks.ts";
import { Rng } from "../util/rng.ts";
import { type FitOptions, packRows, type RowBatch, scoreRows, type TokenRow, toRowBatch } from "./batch.ts";
import { progressLoss } from "./losses.ts";
import { accumulatedStep, type ChunkGradient, gradientArrays } from "./optim.ts";

/**
 * SPA's progress estimator (docs/credit/spa.md): a copy of the SFT policy whose progress head, read at
 * the last token of each action, gives the step's contribution c_k; it is trained so that a
 * trajectory's contributions sum to its outcome (MSE), then writes c_k into exploration
 * trajectories (`TrajectoryStep.progress`). Deviation from SPA: our head reads the final hidden state
 * (`Linear(d_model → 1)`, the policy's design), not `Linear(vocab → 1)` over the LM logits.
 */

/** The outcome a trajectory's contributions should sum to: default `won ? 1 : 0` (SPA's ALFWorld). */
export type Outcome = (trajectory: Trajectory) => number;

/** Default outcome: 1 for a won episode, else 0. */
export const wonOutcome: Outcome = (t) => (t.won ? 1 : 0);

/**
 * How the estimator treats a step that left the env's state unchanged (`stateKey === nextStateKey`:
 * a Sokoban move into a wall, ALFWorld's "Nothing happens.", an invalid action):
 * - `"zero"` (default): it made no progress, so its contribution is 0 by construction; it is left
 *   out of the training sums and annotated 0. Deviation from SPA, which estimates every step: a
 *   failure that repeats one no-op up to the step limit otherwise weighs that one estimate 15 times
 *   in its sum. On Sokoban it lowers the held-out MSE of Σc from 0.76 to 0.48 (same data; the mean
 *   predictor scores 0.18, which neither beats: `apps/bench/src/train-progress.ts`).
 * - `"estimate"`: SPA's, every step is estimated.
 * A step with an empty `stateKey` (an env without state keys) is always estimated.
 */
export type NoOpProgress = "zero" | "estimate";

/** The step left the env's state unchanged (same non-empty state key before and after). */
export const isNoOpStep = (step: TrajectoryStep): boolean => unchangedState(step.stateKey, step.nextStateKey);

/** The rows of `rb` whose contribution the estimator computes (action tokens, and not a zeroed no-op). */
const estimatedRows = (rb: RowBatch, noOps: NoOpProgress = "zero"): TokenRow[] =>
	rb.rows.filter((r) => {
		if (r.actionLen === 0) return false;
		if (noOps === "estimate") return true;
		const step = rb.trajectories[r.traj]?.steps[r.row - (rb.trajStart[r.traj] as number)];
		return step === undefined || !isNoOpStep(step);
	});

/** Trajectories per forward/backward pass of an estimator step, by default. */
export const ESTIMATOR_MICRO_BATCH = 4;

/** Options of {@link trainProgressEstimator}. */
export interface ProgressTrainOptions {
	readonly fit: FitOptions;
	/** Passes over the trajectories (SPA: 1; default 1). */
	readonly epochs?: number;
	/** Trajectories per optimizer step (SPA: 2 × 2 accumulation × 4 GPUs = 16; default 16). */
	readonly batchSize?: number;
	readonly maxGradNorm?: number;
	/** Trajectories per forward/backward pass inside a step (gradient accumulation; default {@link ESTIMATOR_MICRO_BATCH}): bounds memory. */
	readonly microBatchSize?: number;
	readonly outcome?: Outcome;
	readonly seed?: number;
	readonly pad?: number;
	/**
	 * What trains: `"all"` (default, SPA) the whole copy of the policy, or `"head"` only the progress
	 * head over the frozen SFT features (a linear probe: Σc is linear in its weights, so the loss is
	 * convex; it suits a higher learning rate, e.g. 1e-2).
	 */
	readonly trainable?: "all" | "head";
	/** Steps that left the state unchanged: contribution 0 (default) or estimated (SPA), see {@link NoOpProgress}. */
	readonly noOps?: NoOpProgress;
	/**
	 * Add c_init, the head read at the end of the first prompt before any action, to every sum (default
	 * true). SPA's trajectories all open with the same assistant turn (its "OK" reply, docs/credit/spa.md),
	 * whose contribution gives Σc an intercept: a prior on the outcome from the task alone. Without
	 * such a turn, Σc has none, so it cannot even predict the mean outcome (a per-step constant sums to
	 * a multiple of the episode length): on Sokoban the held-out MSE of Σc went from 0.28–0.40 (worse
	 * than the mean's 0.12) to 0.085–0.093 with it (`apps/bench/src/train-progress.ts`). Annotated per-step progress stays
	 * c_k; the steps' sum then targets R − c_init.
	 */
	readonly initial?: boolean;
	/** Called after every optimizer step with the step's loss. */
	readonly onStep?: (step: number, loss: number) => void;
	/** Threads that compute shares of each step's micro-batch gradients (the same estimator with or without them). */
	readonly helpers?: ProgressGradientHelpers;
}

/** One micro-batch of an estimator step: its trajectories and their outcomes. */
export interface EstimatorPart {
	readonly trajectories: ReadonlyArray<Trajectory>;
	readonly outcomes: ReadonlyArray<number>;
}

/** The settings of {@link estimatorLoss} a gradient worker needs (structured-clonable). */
export interface EstimatorSettings {
	readonly fit: FitOptions;
	readonly pad: number;
	readonly noOps: NoOpProgress;
	readonly initial: boolean;
	readonly trainable: "all" | "head";
}

/**
 * Threads that compute estimator micro-batch gradients beside the calling one (a rollout pool's
 * workers): helper i gets the parts of `shares[i]` and the weights; `wait()` returns their
 * gradients in order.
 */
export interface ProgressGradientHelpers {
	readonly size: number;
	postProgressGradients(
		weights: ReadonlyArray<Float32Array>,
		shares: ReadonlyArray<ReadonlyArray<EstimatorPart>>,
		settings: EstimatorSettings,
	): { wait(): ChunkGradient[][] };
}

/** The variables an estimator step trains, in order: the whole policy, or only the progress head. */
export const estimatorVariables = (model: PolicyModel, trainable: "all" | "head"): tf.Variable[] =>
	trainable === "head"
		? ["progress_head.weight", "progress_head.bias"].flatMap((k) => model.params.get(k) ?? [])
		: model.variables();

/** The estimator loss of one part as a function to differentiate. */
const partLoss = (model: PolicyModel, part: EstimatorPart, s: EstimatorSettings) => (): tf.Scalar =>
	estimatorLoss(model, toRowBatch(subset(part.trajectories), s.fit), part.outcomes, s.pad, s.noOps, s.initial);

/**
 * {@link estimatorLoss}'s value and gradient for one part, as arrays in {@link estimatorVariables}
 * order: what a gradient worker sends back. Leaks no tensors.
 */
export const estimatorPartGradient = (model: PolicyModel, part: EstimatorPart, s: EstimatorSettings): ChunkGradient =>
	gradientArrays(estimatorVariables(model, s.trainable), partLoss(model, part, s));

/**
 * Where the progress head is read: the last action token of every estimated row (c_k) and, with
 * `initial`, the last prompt token of each trajectory's first row, before any action (c_init).
 * `rows` are the rows to run (in row order, each once); `points[i]` is the i-th read: its row in
 * `rows`, whether it is a prompt end, and its trajectory.
 */
const readPoints = (
	rb: RowBatch,
	noOps: NoOpProgress | undefined,
	initial: boolean,
): {
	readonly rows: TokenRow[];
	readonly points: Array<{ b: number; prompt: boolean; traj: number }>;
	/** Row indices (in `rb`) whose c_k is read. */
	readonly estimated: ReadonlySet<number>;
} => {
	const estimated = new Set(estimatedRows(rb, noOps).map((r) => r.row));
	const firsts = new Set(initial ? Array.from(rb.trajStart.subarray(0, -1)) : []);
	const rows = rb.rows.filter((r) => r.actionLen > 0 && (estimated.has(r.row) || firsts.has(r.row)));
	const points: Array<{ b: number; prompt: boolean; traj: number }> = [];
	rows.forEach((r, b) => {
		if (firsts.has(r.row)) points.push({ b, prompt: true, traj: r.traj });
		if (estimated.has(r.row)) points.push({ b, prompt: false, traj: r.traj });
	});
	return { rows, points, estimated };
};

/**
 * The final hidden states `[points, D]` the progress head reads (see {@link readPoints}). Call
 * inside a gradient closure or `tf.tidy`: the packed tensors must stay alive until it ends, because
 * the backward pass of the embedding and the gathers needs their indices.
 */
const pointHidden = (
	model: PolicyModel,
	read: ReturnType<typeof readPoints>,
	tokenStart: ArrayLike<number>,
	pad: number,
): tf.Tensor2D => {
	const packed = packRows(read.rows, tokenStart, {}, pad);
	const { hidden } = model.forward(packed.ids);
	const T = packed.ids.shape[1];
	const at = read.points.map(({ b, prompt }) =>
		prompt ? b * T + (read.rows[b] as TokenRow).actionStart - 1 : (packed.lastIndex[b] as number),
	);
	const flat = tf.reshape(hidden, [-1, model.config.dModel]);
	return tf.gather(flat, tf.tensor1d(at, "int32")) as tf.Tensor2D;
};

/** The differentiable estimator loss of a set of trajectories; call inside a gradient closure or `tf.tidy` (its inputs are tidied with it). */
export const estimatorLoss = (
	model: PolicyModel,
	rb: RowBatch,
	outcomes: ReadonlyArray<number>,
	pad = 0,
	noOps: NoOpProgress = "zero",
	initial = true,
): tf.Scalar => {
	const read = readPoints(rb, noOps, initial);
	if (read.points.length === 0) {
		// every sum is 0: the loss is the outcomes' mean square, tied to the head with a zero gradient
		const bias = model.params.get("progress_head.bias");
		const mse = tf.mean(tf.square(tf.tensor1d(outcomes.length > 0 ? [...outcomes] : [0]))) as tf.Scalar;
		return bias === undefined ? mse : tf.add(mse, tf.mul(tf.sum(bias), 0));
	}
	const h = pointHidden(model, read, rb.tokenStart, pad);
	const c = tf.reshape(model.progress(tf.expandDims(h, 0) as tf.Tensor3D), [-1]) as tf.Tensor1D;
	return progressLoss(
		c,
		read.points.map((p) => p.traj),
		tf.tensor1d([...outcomes]),
	);
};

const subset = (trajectories: ReadonlyArray<Trajectory>): TrajectoryBatch => ({
	groups: trajectories.map((t) => ({ groupId: t.groupId, trajectories: [t] })),
});

/**
 * Train the estimator on exploration trajectories: shuffled mini-batches of trajectories (seeded),
 * one clipped optimizer step each, loss `mean (Σ_k c_k − R)²`. Returns the per-step losses.
 */
export const trainProgressEstimator = (
	model: PolicyModel,
	optimizer: tf.Optimizer,
	trajectories: ReadonlyArray<Trajectory>,
	options: ProgressTrainOptions,
): { readonly losses: number[] } => {
	const outcome = options.outcome ?? wonOutcome;
	const size = Math.max(1, options.batchSize ?? 16);
	const rng = new Rng(options.seed ?? 0);
	const losses: number[] = [];
	const settings: EstimatorSettings = {
		fit: options.fit,
		pad: options.pad ?? 0,
		noOps: options.noOps ?? "zero",
		initial: options.initial ?? true,
		trainable: options.trainable ?? "all",
	};
	const variables = estimatorVariables(model, settings.trainable);
	const helpers = options.helpers;
	for (let e = 0; e < (options.epochs ?? 1); e++) {
		const order = rng.shuffle(trajectories);
		for (let s = 0; s < order.length; s += size) {
			const chunk = order.slice(s, s + size);
			const micro = Math.max(1, options.microBatchSize ?? ESTIMATOR_MICRO_BATCH);
			const parts: EstimatorPart[] = [];
			for (let m = 0; m < chunk.length; m += micro) {
				const trajectories = chunk.slice(m, m + micro);
				parts.push({ trajectories, outcomes: trajectories.map(outcome) });
			}
			// the first share of the parts here, one share per helper beside it; summed in part order
			const sources = shareOut<EstimatorPart, ChunkGradient>(
				parts,
				helpers?.size ?? 0,
				(shares) =>
					(helpers as ProgressGradientHelpers).postProgressGradients(
						model.variables().map((v) => v.dataSync() as Float32Array),
						shares,
						settings,
					),
				(part) => estimatorPartGradient(model, part, settings),
			);
			// the loss is a mean over trajectories, so each part weighs its share of them
			const step = accumulatedStep(
				optimizer,
				variables,
				sources,
				parts.map((p) => p.trajectories.length / chunk.length),
				options.maxGradNorm ?? 1,
			);
			losses.push(step.loss);
			options.onStep?.(losses.length, step.loss);
		}
	}
	return { losses };
};

/** Options of the estimator's inference ({@link stepContributions}, {@link annotateProgress}). */
export interface ContributionOptions {
	readonly batchSize?: number;
	readonly pad?: number;
	/** Steps that left the state unchanged: 0 (default) or estimated, see {@link NoOpProgress}. */
	readonly noOps?: NoOpProgress;
	/** Also read c_init (see {@link ProgressTrainOptions.initial}); default true. */
	readonly initial?: boolean;
}

/** Per-step contributions c_k of each trajectory (no gradient), in step order, and c_init per trajectory (0 without `initial`). */
export const trajectoryContributions = (
	model: PolicyModel,
	trajectories: ReadonlyArray<Trajectory>,
	fit: FitOptions,
	options: ContributionOptions = {},
): { readonly steps: number[][]; readonly initial: number[] } => {
	const rb = toRowBatch(subset(trajectories), fit);
	const initial = options.initial ?? true;
	const read = readPoints(rb, options.noOps, initial);
	const { progress, promptProgress } = scoreRows(
		model,
		{ ...rb, rows: read.rows },
		{ batchSize: options.batchSize ?? 64, pad: options.pad ?? 0 },
	);
	const { estimated } = read;
	const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : 0);
	return {
		steps: trajectories.map((_, k) => {
			const out: number[] = [];
			for (let i = rb.trajStart[k] as number; i < (rb.trajStart[k + 1] as number); i++)
				out.push(estimated.has(i) ? finite(progress[i]) : 0);
			return out;
		}),
		initial: trajectories.map((_, k) => (initial ? finite(promptProgress[rb.trajStart[k] as number]) : 0)),
	};
};

/** Per-step contributions c_k of each trajectory (no gradient), in step order. */
export const stepContributions = (
	model: PolicyModel,
	trajectories: ReadonlyArray<Trajectory>,
	fit: FitOptions,
	options: ContributionOptions = {},
): number[][] => trajectoryContributions(model, trajectories, fit, options).steps;

/**
 * Inference: write each step's contribution into `progress` (a step without action tokens gets 0,
 * as SPA gives a fully masked sample 0). Returns new trajectories; the input is not changed.
 */
export const annotateProgress = (
	model: PolicyModel,
	trajectories: ReadonlyArray<Trajectory>,
	fit: FitOptions,
	options: ContributionOptions = {},
): Trajectory[] => {
	const c = stepContributions(model, trajectories, fit, options);
	return trajectories.map((t, k) => ({ ...t, steps: t.steps.map((s, j) => ({ ...s, progress: c[k]?.[j] ?? 0 })) }));
};

/** Annotate every trajectory of a batch (see {@link annotateProgress}), keeping the groups. */
export const annotateBatch = (
	model: PolicyModel,
	batch: TrajectoryBatch,
	fit: FitOptions,
	options: ContributionOptions = {},
): TrajectoryBatch => {
	const flat = batch.groups.flatMap((g) => g.trajectories);
	const annotated = annotateProgress(model, flat, fit, options);
	let k = 0;
	return {
		groups: batch.groups.map((g) => ({
			groupId: g.groupId,
			trajectories: g.trajectories.map(() => annotated[k++] as Trajectory),
		})),
	};
};

/**
 * Area under the ROC curve of `scores` separating positives from negatives (Mann–Whitney U with
 * ties counted ½): 1 ranks every positive above every negative, 0.5 is chance. NaN when a class is empty.
 */
export const auc = (positives: ReadonlyArray<number>, negatives: ReadonlyArray<number>): number => {
	if (positives.length === 0 || negatives.length === 0) return Number.NaN;
	const all = [...positives.map((v) => [v, 1] as const), ...negatives.map((v) => [v, 0] as const)].sort(
		(a, b) => a[0] - b[0],
	);
	let rankSum = 0;
	for (let i = 0; i < all.length; ) {
		let j = i;
		while (j < all.length && (all[j] as readonly [number, number])[0] === (all[i] as readonly [number, number])[0]) j++;
		const avgRank = (i + 1 + j) / 2;
		for (let k = i; k < j; k++) if ((all[k] as readonly [number, number])[1] === 1) rankSum += avgRank;
		i = j;
	}
	const np = positives.length;
	return (rankSum - (np * (np + 1)) / 2) / (np * negatives.length);
};

/** Validation figures of the estimator on held-out trajectories. */
export interface ProgressValidation {
	/** Trajectories evaluated. */
	readonly trajectories: number;
	/** `mean (c_init + Σ_k c_k − R)²` on the held-out trajectories (c_init only with `initial`). */
	readonly mse: number;
	/** `mean (R̄ − R)²`: predicting the mean outcome (R̄ of the training trajectories when given, else of the held-out ones). */
	readonly baselineMse: number;
	/** `1 − mse / baselineMse`. */
	readonly r2: number;
	/** AUC of Σc separating trajectories with an above-mean outcome (won, for 0/1 outcomes) from the rest. */
	readonly trajectoryAuc: number;
	/** AUC of per-step c_k separating steps labelled good from bad (default: steps of above-mean-outcome trajectories vs the rest). */
	readonly stepAuc: number;
	/** AUC of c_k separating valid (executable) from invalid steps (NaN when one class is missing). */
	readonly validAuc: number;
	/** Mean c_k of good and of bad steps. */
	readonly goodStepMean: number;
	readonly badStepMean: number;
}

/**
 * Validate the estimator: how well summed contributions predict held-out outcomes (MSE against the
 * mean-outcome baseline) and how well per-step contributions rank good against bad steps.
 * `stepLabel` marks a step good (true), bad (false) or unlabelled (undefined); default: whether
 * the trajectory's outcome is above the held-out mean (won vs lost for 0/1 outcomes).
 */
export const validateProgress = (
	model: PolicyModel,
	heldOut: ReadonlyArray<Trajectory>,
	fit: FitOptions,
	options: {
		readonly outcome?: Outcome;
		readonly trainOutcomeMean?: number;
		readonly stepLabel?: (trajectory: Trajectory, t: number) => boolean | undefined;
		readonly pad?: number;
		readonly noOps?: NoOpProgress;
		readonly initial?: boolean;
	} = {},
): ProgressValidation => {
	const outcome = options.outcome ?? wonOutcome;
	const { steps: c, initial } = trajectoryContributions(model, heldOut, fit, options);
	const R = heldOut.map(outcome);
	const n = Math.max(1, heldOut.length);
	const mean = options.trainOutcomeMean ?? R.reduce((a, b) => a + b, 0) / n;
	const sums = c.map((v, k) => v.reduce((a, b) => a + b, initial[k] as number));
	const mse = sums.reduce((s, x, i) => s + (x - (R[i] as number)) ** 2, 0) / n;
	const baselineMse = R.reduce((s, r) => s + (mean - r) ** 2, 0) / n;
	const heldMean = R.reduce((a, b) => a + b, 0) / n;
	const good = new Set(heldOut.filter((_, i) => (R[i] as number) > heldMean));
	const label = options.stepLabel ?? ((t: Trajectory) => good.has(t));
	const goodSteps: number[] = [];
	const badSteps: number[] = [];
	const valid: number[] = [];
	const invalid: number[] = [];
	heldOut.forEach((t, k) => {
		t.steps.forEach((s, j) => {
			const v = c[k]?.[j] ?? 0;
			const l = label(t, j);
			if (l === true) goodSteps.push(v);
			else if (l === false) badSteps.push(v);
			(s.valid ? valid : invalid).push(v);
		});
	});
	const avg = (x: number[]) => (x.length === 0 ? Number.NaN : x.reduce((a, b) => a + b, 0) / x.length);
	return {
		trajectories: heldOut.length,
		mse,
		baselineMse,
		r2: baselineMse === 0 ? Number.NaN : 1 - mse / baselineMse,
		trajectoryAuc: auc(
			sums.filter((_, i) => (R[i] as number) > heldMean),
			sums.filter((_, i) => (R[i] as number) <= heldMean),
		),
		stepAuc: auc(goodSteps, badSteps),
		validAuc: auc(valid, invalid),
		goodStepMean: avg(goodSteps),
		badStepMean: avg(badSteps),
	};
};

/** Options of {@link fitProgressHead}. */
export interface ProgressProbeOptions {
	readonly fit: FitOptions;
	/** Ridge λ on the head's weights (not its bias; default 1e-3 × the number of trajectories). */
	readonly ridge?: number;
	readonly outcome?: Outcome;
	readonly pad?: number;
	/** Trajectories per forward pass (default 32). */
	readonly batchSize?: number;
	readonly noOps?: NoOpProgress;
	/** Read c_init too (default true, see {@link ProgressTrainOptions.initial}). */
	readonly initial?: boolean;
}

/**
 * Fit only the progress head, in closed form, over the frozen features of the policy copy: with
 * `h_i` the final hidden state at each read point i (the last action token of each step, and with
 * `initial` the end of the first prompt), Σc = w·Σ_i h_i + b·(number of points) is linear in
 * (w, b), so the SPA loss `mean (Σc − R)²` plus `λ|w|²` is a ridge regression, solved exactly
 * (normal equations, Cholesky). The whole-model fit (`trainProgressEstimator`) is SPA's; this is
 * its linear-probe variant, for small data where Adam on the sums is ill-conditioned (a 15-step
 * failure repeats one state, so its sum weighs that step 15 times).
 * Returns the training MSE after the fit.
 */
export const fitProgressHead = (
	model: PolicyModel,
	trajectories: ReadonlyArray<Trajectory>,
	options: ProgressProbeOptions,
): { readonly mse: number } => {
	const outcome = options.outcome ?? wonOutcome;
	const D = model.config.dModel;
	const n = D + 1;
	const xtx = new Float64Array(n * n);
	const xty = new Float64Array(n);
	const X: Float64Array[] = [];
	const size = Math.max(1, options.batchSize ?? 32);
	for (let s = 0; s < trajectories.length; s += size) {
		const chunk = trajectories.slice(s, s + size);
		const rb = toRowBatch(subset(chunk), options.fit);
		const read = readPoints(rb, options.noOps, options.initial ?? true);
		const x = chunk.map(() => new Float64Array(n));
		if (read.points.length > 0) {
			const feats = tf.tidy(() => pointHidden(model, read, rb.tokenStart, options.pad ?? 0).dataSync() as Float32Array);
			read.points.forEach((p, j) => {
				const xk = x[p.traj] as Float64Array;
				for (let d = 0; d < D; d++) xk[d] = (xk[d] as number) + (feats[j * D + d] as number);
				xk[D] = (xk[D] as number) + 1;
			});
		}
		chunk.forEach((t, k) => {
			const xk = x[k] as Float64Array;
			const y = outcome(t);
			for (let i = 0; i < n; i++) {
				xty[i] = (xty[i] as number) + (xk[i] as number) * y;
				for (let j = 0; j <= i; j++)
					xtx[i * n + j] = (xtx[i * n + j] as number) + (xk[i] as number) * (xk[j] as number);
			}
			X.push(xk);
		});
	}
	const lambda = options.ridge ?? 1e-3 * Math.max(1, trajectories.length);
	for (let i = 0; i < D; i++) xtx[i * n + i] = (xtx[i * n + i] as number) + lambda;
	xtx[D * n + D] = (xtx[D * n + D] as number) + 1e-9;
	const theta = choleskySolve(xtx, xty, n);
	const w = model.params.get("progress_head.weight");
	const b = model.params.get("progress_head.bias");
	if (w === undefined || b === undefined) throw new Error("fitProgressHead: the model has no progress head");
	tf.tidy(() => {
		w.assign(tf.tensor2d(Float32Array.from(theta.subarray(0, D)), [D, 1]));
		b.assign(tf.tensor1d([theta[D] as number]));
	});
	let sse = 0;
	X.forEach((xk, k) => {
		let p = 0;
		for (let i = 0; i < n; i++) p += (xk[i] as number) * (theta[i] as number);
		sse += (p - outcome(trajectories[k] as Trajectory)) ** 2;
	});
	return { mse: sse / Math.max(1, X.length) };
};

/** Solve A θ = y for a symmetric positive definite A (lower triangle filled, row-major n × n). */
const choleskySolve = (a: Float64Array, y: Float64Array, n: number): Float64Array => {
	const L = new Float64Array(n * n);
	for (let i = 0; i < n; i++) {
		for (let j = 0; j <= i; j++) {
			let s = a[i * n + j] as number;
			for (let k = 0; k < j; k++) s -= (L[i * n + k] as number) * (L[j * n + k] as number);
			L[i * n + j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / (L[j * n + j] as number);
		}
	}
	const z = new Float64Array(n);
	for (let i = 0; i < n; i++) {
		let s = y[i] as number;
		for (let k = 0; k < i; k++) s -= (L[i * n + k] as number) * (z[k] as number);
		z[i] = s / (L[i * n + i] as number);
	}
	const theta = new Float64Array(n);
	for (let i = n - 1; i >= 0; i--) {
		let s = z[i] as number;
		for (let k = i + 1; k < n; k++) s -= (L[k * n + i] as number) * (theta[k] as number);
		theta[i] = s / (L[i * n + i] as number);
	}
	return theta;
};
