import * as tf from "@tensorflow/tfjs-core";

/** What {@link clippedStep} returns. */
export interface OptimizerStepResult {
	/** The loss value before the update. */
	readonly loss: number;
	/** Global gradient norm before clipping. */
	readonly gradNorm: number;
	/** False when the gradient norm was not finite and the update was skipped (as verl does). */
	readonly applied: boolean;
}

/**
 * One optimizer step with global-norm gradient clipping (verl `grad_clip`, default 1.0): computes
 * the gradients of `loss` over `variables`, scales them by `min(1, maxNorm/‖g‖)` and applies them;
 * a non-finite norm skips the update. Variables the loss does not reach get zero gradients (so they
 * stay unchanged and the optimizer holds state for every variable). `maxNorm`
 * ≤ 0 or ∞ disables clipping. Leaks no tensors.
 */
export const clippedStep = (
	optimizer: tf.Optimizer,
	variables: ReadonlyArray<tf.Variable>,
	loss: () => tf.Scalar,
	maxNorm = 1,
): OptimizerStepResult => {
	const { value, grads: reached } = tf.variableGrads(loss, [...variables]);
	const grads = inVariableOrder(variables, reached);
	try {
		const list = Object.values(grads);
		const normT = tf.tidy(() => tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g))))));
		const gradNorm = normT.dataSync()[0] as number;
		normT.dispose();
		const lossValue = value.dataSync()[0] as number;
		if (!Number.isFinite(gradNorm)) return { loss: lossValue, gradNorm, applied: false };
		const scale = maxNorm > 0 && Number.isFinite(maxNorm) && gradNorm > maxNorm ? maxNorm / (gradNorm + 1e-6) : 1;
		if (scale === 1) optimizer.applyGradients(grads);
		else {
			const scaled: Record<string, tf.Tensor> = {};
			for (const [k, g] of Object.entries(grads)) scaled[k] = tf.mul(g, scale);
			optimizer.applyGradients(scaled);
			tf.dispose(Object.values(scaled));
		}
		return { loss: lossValue, gradNorm, applied: true };
	} finally {
		value.dispose();
		tf.dispose(Object.values(grads));
	}
};

/**
 * The gradients as a record in the order of `variables`, with a zero gradient for every trainable
 * variable the loss does not reach (the value head under a group-relative loss, the LM head under
 * the progress loss): Adam then leaves it exactly unchanged but keeps moments for every variable,
 * which the policy checkpoint loader requires. The order matters: tfjs optimizers key their moments
 * by position in the record, so it must be the same on every step even when the set of reached
 * variables changes (a progress micro-batch whose steps are all no-ops reaches only the head).
 */
const inVariableOrder = (
	variables: ReadonlyArray<tf.Variable>,
	grads: Record<string, tf.Tensor>,
): Record<string, tf.Tensor> => {
	const out: Record<string, tf.Tensor> = {};
	for (const v of variables) {
		const g = grads[v.name];
		if (g !== undefined) out[v.name] = g;
		else if (v.trainable) out[v.name] = tf.zerosLike(v);
	}
	return out;
};

/** Set a tfjs optimizer's learning rate (Adam, SGD … all read `learningRate` on every step). */
export const setLearningRate = (optimizer: tf.Optimizer, lr: number): void => {
	(optimizer as unknown as { learningRate: number }).learningRate = lr;
};

/**
 * A micro-batch's gradient computed elsewhere (e.g. by a gradient worker): the loss value and one
 * array per variable, in the order of the variables the step is given (`undefined` where the loss
 * does not reach the variable).
 */
export interface ChunkGradient {
	readonly value: number;
	readonly grads: ReadonlyArray<Float32Array | undefined>;
}

/**
 * The value and gradient of `loss` with respect to `variables`, as arrays in their order
 * (`undefined` where the loss does not reach a variable): what a gradient worker sends back, the
 * same float32 values the calling thread would use. Leaks no tensors.
 */
export const gradientArrays = (variables: ReadonlyArray<tf.Variable>, loss: () => tf.Scalar): ChunkGradient => {
	const { value, grads } = tf.variableGrads(loss, [...variables]);
	try {
		return {
			value: value.dataSync()[0] as number,
			grads: variables.map((v) => grads[v.name]?.dataSync() as Float32Array | undefined),
		};
	} finally {
		value.dispose();
		tf.dispose(Object.values(grads));
	}
};

/** One micro-batch of {@link accumulatedStep}: a loss to differentiate here, or its gradient computed elsewhere. */
export type GradientSource = (() => tf.Scalar) | ChunkGradient;

/** The loss value and gradients (keyed by variable name) of a gradient source. */
const gradientsOf = (
	source: GradientSource,
	variables: ReadonlyArray<tf.Variable>,
): { readonly value: number; readonly grads: Record<string, tf.Tensor> } => {
	if (typeof source === "function") {
		const { value, grads } = tf.variableGrads(source, [...variables]);
		const v = value.dataSync()[0] as number;
		value.dispose();
		return { value: v, grads };
	}
	if (source.grads.length !== variables.length)
		throw new Error(`accumulatedStep: ${source.grads.length} gradient arrays for ${variables.length} variables`);
	const grads: Record<string, tf.Tensor> = {};
	variables.forEach((v, j) => {
		const g = source.grads[j];
		if (g !== undefined) grads[v.name] = tf.tensor(g, v.shape);
	});
	return { value: source.value, grads };
};

/**
 * One optimizer step over several micro-batches (gradient accumulation, verl's micro-batches), each
 * a loss or a {@link ChunkGradient} computed elsewhere (the same sum either way: a worker's arrays
 * hold the very float32 values a local pass gives): the gradient is `Σ_i weights[i]·∇loss_i`
 * (weights summing to 1 reproduce the full-batch mean), then global-norm clipping and one update as
 * in {@link clippedStep}. Bounds the activation memory of a large mini-batch. Leaks no tensors.
 */
export const accumulatedStep = (
	optimizer: tf.Optimizer,
	variables: ReadonlyArray<tf.Variable>,
	losses: ReadonlyArray<GradientSource>,
	weights: ReadonlyArray<number>,
	maxNorm = 1,
): OptimizerStepResult => {
	const only = losses[0];
	if (losses.length === 1 && weights[0] === 1 && typeof only === "function")
		return clippedStep(optimizer, variables, only, maxNorm);
	let sum: Record<string, tf.Tensor> = {};
	let lossValue = 0;
	try {
		losses.forEach((f, i) => {
			const w = weights[i] ?? 0;
			const { value, grads } = gradientsOf(f, variables);
			lossValue += w * value;
			for (const [k, g] of Object.entries(grads)) {
				const prev = sum[k];
				sum[k] = tf.tidy(() => (prev === undefined ? tf.mul(g, w) : tf.add(prev, tf.mul(g, w))));
				prev?.dispose();
				g.dispose();
			}
		});
		sum = inVariableOrder(variables, sum);
		const normT = tf.tidy(() => tf.sqrt(tf.addN(Object.values(sum).map((g) => tf.sum(tf.square(g))))));
		const gradNorm = normT.dataSync()[0] as number;
		normT.dispose();
		if (!Number.isFinite(gradNorm)) return { loss: lossValue, gradNorm, applied: false };
		const scale = maxNorm > 0 && Number.isFinite(maxNorm) && gradNorm > maxNorm ? maxNorm / (gradNorm + 1e-6) : 1;
		if (scale !== 1)
			for (const k of Object.keys(sum)) {
				const g = sum[k] as tf.Tensor;
				sum[k] = tf.mul(g, scale);
				g.dispose();
			}
		optimizer.applyGradients(sum);
		return { loss: lossValue, gradNorm, applied: true };
	} finally {
		tf.dispose(Object.values(sum));
	}
};
