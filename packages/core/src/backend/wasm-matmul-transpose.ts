import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
	type KernelConfig,
	type KernelFunc,
	type NamedAttrMap,
	type NamedTensorInfoMap,
	type TensorInfo,
	util,
} from "@tensorflow/tfjs-core";

/**
 * Wraps a wasm matmul kernel (`BatchMatMul`, `_FusedMatMul`) so that `transposeA`/`transposeB`
 * are done by an explicit `Transpose` of the last two dims followed by a plain (untransposed)
 * matmul. tfjs-backend-wasm 4.22's own transposed path is about 10× slower (1.9 / 0.8 GFLOP/s
 * against 18–19 at 512³), and every matMul gradient uses it. Operands with a batch above 1 keep
 * their flags: the kernel runs its scalar loop for them either way, and reads transposes in place.
 *
 * Every input other than `a` and `b` (bias, prelu weights) and every other attr pass through.
 *
 * @param original the kernel registered by tfjs-backend-wasm
 * @param transpose the wasm `Transpose` kernel function
 */
export const withExplicitTranspose = (original: KernelConfig, transpose: KernelFunc): KernelConfig => {
	const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
		const transposeA = attrs?.transposeA === true;
		const transposeB = attrs?.transposeB === true;
		if (!transposeA && !transposeB) return original.kernelFunc({ inputs, backend, ...(attrs ? { attrs } : {}) });
		// With a batch (of either operand) above 1 the wasm kernel takes its scalar loop whatever the
		// flags, and that loop reads transposed operands in place: same sums in the same order, so
		// the flags pass through (bit-identical) and the explicit copy is saved.
		const batch = (x: TensorInfo | undefined) => (x === undefined ? 1 : util.sizeFromShape(x.shape.slice(0, -2)));
		if (batch(inputs.a) > 1 || batch(inputs.b) > 1)
			return original.kernelFunc({ inputs, backend, ...(attrs ? { attrs } : {}) });
		// The kernel registry types the backend as `{}`; this wrapper is registered for "wasm" only.
		const wasm = backend as BackendWasm;
		const temporaries: TensorInfo[] = [];
		const swapLastTwo = (x: TensorInfo | undefined): TensorInfo => {
			if (x === undefined) throw new Error(`${original.kernelName} (wasm): missing matmul operand`);
			const rank = x.shape.length;
			const perm = Array.from({ length: rank }, (_, i) => (i === rank - 2 ? rank - 1 : i === rank - 1 ? rank - 2 : i));
			// Transpose returns a single TensorInfo.
			const y = transpose({ inputs: { x }, backend, attrs: { perm } }) as TensorInfo;
			temporaries.push(y);
			return y;
		};
		try {
			const patchedInputs: NamedTensorInfoMap = {
				...inputs,
				a: transposeA ? swapLastTwo(inputs.a) : inputs.a,
				b: transposeB ? swapLastTwo(inputs.b) : inputs.b,
			};
			const patchedAttrs: NamedAttrMap = { ...attrs, transposeA: false, transposeB: false };
			return original.kernelFunc({ inputs: patchedInputs, backend, attrs: patchedAttrs });
		} finally {
			// disposeData drops one reference: frees a fresh transpose, or undoes the incRef of a no-op one.
			for (const t of temporaries) wasm.disposeData(t.dataId);
		}
	};
	return { ...original, kernelFunc };
};
