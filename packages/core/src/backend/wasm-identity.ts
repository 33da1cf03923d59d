import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";

/**
 * `Identity` for the wasm backend that shares the input's buffer (a reference count, as the cpu
 * backend's Identity and wasm's own Reshape do) instead of copying it.
 *
 * tfjs clones (Identity) every tensor a kernel saves for its gradient while a tape records, and
 * every `tf.clone`; wasm's Identity copies the data each time: ~1,000 copies per training step of
 * the 0.5M policy. Tensors are immutable (no wasm kernel writes into an input; every output is a
 * fresh `makeOutput`), so sharing is safe. Strings keep the original kernel.
 *
 * @param original the kernel registered by tfjs-backend-wasm
 */
export const wasmSharedIdentityConfig = (original: KernelConfig): KernelConfig => {
	const kernelFunc: KernelFunc = (args) => {
		const x = args.inputs.x;
		if (x === undefined) throw new Error("Identity (wasm): missing input x");
		if (x.dtype === "string") return original.kernelFunc(args);
		(args.backend as BackendWasm).incRef(x.dataId);
		const out: TensorInfo = { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
		return out;
	};
	return { ...original, kernelFunc };
};
