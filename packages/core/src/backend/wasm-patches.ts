import * as tf from "@tensorflow/tfjs-core";
import { wasmSharedIdentityConfig } from "./wasm-identity.ts";
import { withExplicitTranspose } from "./wasm-matmul-transpose.ts";
import { wasmUnsortedSegmentSumConfig } from "./wasm-segment-sum.ts";
import { wasmSliceConfigs } from "./wasm-slice.ts";
import { wasmLeadingSumConfig } from "./wasm-sum.ts";

/** Names of the kernel fixes {@link patchWasmKernels} applies, in order. */
export const WASM_PATCHES = [
	"UnsortedSegmentSum",
	"BatchMatMul-transpose",
	"FusedMatMul-transpose",
	"Slice-view",
	"SplitV-view",
	"Unpack-view",
	"Identity-shared",
	"Sum-leading",
] as const;

/** One of {@link WASM_PATCHES}. */
export type WasmPatch = (typeof WASM_PATCHES)[number];

/**
 * Marks a kernel config we registered. `Symbol.for` so the mark is seen even if this module is
 * loaded twice (the tfjs kernel registry is a process-wide global).
 */
const PATCHED: unique symbol = Symbol.for("stepwise.backend.wasmPatch");

/** The kernel each patch replaces or adds. */
const PATCHED_KERNEL: Readonly<Record<WasmPatch, string>> = {
	UnsortedSegmentSum: tf.UnsortedSegmentSum,
	"BatchMatMul-transpose": tf.BatchMatMul,
	"FusedMatMul-transpose": tf._FusedMatMul,
	"Slice-view": tf.Slice,
	"SplitV-view": tf.SplitV,
	"Unpack-view": tf.Unpack,
	"Identity-shared": tf.Identity,
	"Sum-leading": tf.Sum,
};

type MarkedKernelConfig = tf.KernelConfig & { readonly [PATCHED]?: WasmPatch };

/** `tf.getKernel` is typed as always returning a config, but returns `undefined` when absent. */
const findKernel = (kernelName: string): MarkedKernelConfig | undefined =>
	tf.getKernel(kernelName, "wasm") as MarkedKernelConfig | undefined;

/** The registered wasm kernel, or an error saying the wasm backend was not imported. */
const requireKernel = (kernelName: string): MarkedKernelConfig => {
	const k = findKernel(kernelName);
	if (k === undefined)
		throw new Error(
			"patchWasmKernels: the wasm kernels are not registered; import @tensorflow/tfjs-backend-wasm first",
		);
	return k;
};

const replaceKernel = (config: tf.KernelConfig, patch: WasmPatch): void => {
	if (findKernel(config.kernelName) !== undefined) tf.unregisterKernel(config.kernelName, "wasm");
	const marked: MarkedKernelConfig = { ...config, [PATCHED]: patch };
	tf.registerKernel(marked);
};

/** Which of {@link WASM_PATCHES} are currently registered. */
export const wasmPatchesApplied = (): ReadonlyArray<WasmPatch> =>
	WASM_PATCHES.filter((patch) => findKernel(PATCHED_KERNEL[patch])?.[PATCHED] === patch);

/**
 * Registers the wasm kernel fixes of docs/backends.md (idempotent; cheap on repeat calls):
 *
 * 1. `UnsortedSegmentSum` (missing in tfjs-backend-wasm 4.22): the gradient of `tf.gather`.
 * 2. `BatchMatMul` with `transposeA`/`transposeB`: done as explicit `Transpose` + plain matmul,
 *    about 10× faster on wasm (512³ `a@bᵀ`: 2.5 → 23 GFLOP/s); every matMul gradient uses it.
 * 3. The same for `_FusedMatMul` (`tf.fused.matMul` with transpose flags, e.g. tied output
 *    embeddings), which has the same slow path.
 * 4. `Slice`, `SplitV` and `Unpack` without the copy of the whole input per slice (see
 *    wasm-slice.ts): unstacking `[64, 256, 32]` went from 13 ms to well under 1 ms.
 * 5. `Identity` sharing its input's buffer instead of copying it (see wasm-identity.ts): tfjs
 *    clones every tensor saved for a gradient.
 * 6. `Sum` over leading axes as a matmul with a row of ones (see wasm-sum.ts; bit-identical):
 *    bias and layer-norm gradients, `sum(x[4096, 512], 0)` 18–27 → 0.3 ms.
 *
 * Requires `@tensorflow/tfjs-backend-wasm` to have been imported (its kernels registered). The
 * patches only touch kernels registered for backend `"wasm"`, so they never affect other backends;
 * {@link selectBackend} calls this only when it activates wasm.
 *
 * @returns the patches now in place
 */
export const patchWasmKernels = (): ReadonlyArray<WasmPatch> => {
	// Only added when missing: a future tfjs-backend-wasm may ship its own kernel.
	if (findKernel(tf.UnsortedSegmentSum) === undefined) {
		replaceKernel(wasmUnsortedSegmentSumConfig, "UnsortedSegmentSum");
	}
	const transpose = requireKernel(tf.Transpose);
	for (const patch of ["BatchMatMul-transpose", "FusedMatMul-transpose"] as const) {
		const matMul = requireKernel(PATCHED_KERNEL[patch]);
		if (matMul[PATCHED] === undefined) replaceKernel(withExplicitTranspose(matMul, transpose.kernelFunc), patch);
	}
	const slice = requireKernel(tf.Slice);
	const splitV = requireKernel(tf.SplitV);
	const unpack = requireKernel(tf.Unpack);
	if (slice[PATCHED] === undefined && splitV[PATCHED] === undefined && unpack[PATCHED] === undefined) {
		const [s, v, u] = wasmSliceConfigs({ slice, splitV, unpack }) as [
			tf.KernelConfig,
			tf.KernelConfig,
			tf.KernelConfig,
		];
		replaceKernel(s, "Slice-view");
		replaceKernel(v, "SplitV-view");
		replaceKernel(u, "Unpack-view");
	}
	const identity = requireKernel(tf.Identity);
	if (identity[PATCHED] === undefined) replaceKernel(wasmSharedIdentityConfig(identity), "Identity-shared");
	const sum = requireKernel(tf.Sum);
	// the (patched) registered BatchMatMul; the Sum patch calls it untransposed only
	const batchMatMul = requireKernel(tf.BatchMatMul);
	if (sum[PATCHED] === undefined) replaceKernel(wasmLeadingSumConfig(sum, batchMatMul.kernelFunc), "Sum-leading");
	return wasmPatchesApplied();
};
