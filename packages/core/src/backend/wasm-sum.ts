import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
	backend_util,
	type KernelConfig,
	type KernelFunc,
	type SumAttrs,
	type TensorInfo,
	util,
} from "@tensorflow/tfjs-core";

/**
 * `Sum` over leading axes for the wasm backend as one XNNPACK matmul with a row of ones.
 *
 * tfjs-backend-wasm 4.22 reduces over axes that are not innermost by transposing them innermost
 * first and then summing: `sum(x[4096, 512], 0)` took 18–27 ms, where `ones[1, 4096] @ x` takes
 * 0.3 ms. Every bias and layer-norm gradient (a sum over the batch and time axes) takes that
 * path. XNNPACK adds each output's products in order, and 1·x is x, so the matmul adds the same
 * values in the same order as the transposed loop: the results are bit-identical (tested).
 * Only float32 reductions over leading axes (not all of them) change; everything else, including
 * int32 and reductions that need no transpose, runs the original kernel. Like every wasm matmul,
 * the XNNPACK operator (with a packed copy of x as its weights) is cached until x is disposed:
 * for the short-lived gradient tensors this is meant for, that is the end of the step.
 *
 * @param original the Sum kernel registered by tfjs-backend-wasm
 * @param batchMatMul the wasm BatchMatMul kernel function (plain, untransposed calls only)
 */
export const wasmLeadingSumConfig = (original: KernelConfig, batchMatMul: KernelFunc): KernelConfig => {
	const kernelFunc: KernelFunc = (args) => {
		const x = args.inputs.x;
		if (x === undefined) throw new Error("Sum (wasm): missing input x");
		const { axis, keepDims } = args.attrs as unknown as SumAttrs;
		const rank = x.shape.length;
		const axes = util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
		const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
		const outer = util.sizeFromShape(x.shape.slice(0, axes.length));
		const inner = util.sizeFromShape(x.shape.slice(axes.length));
		if (x.dtype !== "float32" || !leading || outer < 2 || inner === 0) return original.kernelFunc(args);
		const wasm = args.backend as BackendWasm;
		const ones = wasm.makeOutput([1, 1, outer], "float32");
		wasm.typedArrayFromHeap(ones).fill(1);
		try {
			const out = batchMatMul({
				inputs: { a: ones, b: { dataId: x.dataId, shape: [1, outer, inner], dtype: x.dtype } },
				backend: wasm,
				attrs: { transposeA: false, transposeB: false },
			}) as TensorInfo;
			const shape = x.shape.slice(axes.length);
			out.shape = keepDims ? backend_util.expandShapeToKeepDim(shape, axes) : shape;
			return out;
		} finally {
			wasm.disposeData(ones.dataId);
		}
	};
	return { ...original, kernelFunc };
};
