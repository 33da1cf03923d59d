import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
	backend_util,
	type KernelConfig,
	type KernelFunc,
	Slice,
	type SliceAttrs,
	SplitV,
	type SplitVAttrs,
	slice_util,
	type TensorInfo,
	Unpack,
	type UnpackAttrs,
	util,
} from "@tensorflow/tfjs-core";

/**
 * `Slice`, `SplitV` and `Unpack` for the wasm backend without the whole-input copy.
 *
 * tfjs-backend-wasm 4.22 implements all three in JS through a `slice` helper that starts with
 * `backend.readSync(x)`, a copy of the *whole* input out of the heap, once per slice: unstacking a
 * `[64, 256, 32]` tensor copied 64 × 2 MB and took 13 ms where the data moved is 2 MB. These
 * versions copy only the sliced rows, reading through a heap view taken after the output is
 * allocated (allocation may grow, and so detach, the heap). Pure data movement: the results are
 * bit-identical to the originals. Float32 and int32 data are copied as int32 words (one element
 * type keeps the copy loop monomorphic: mixing types doubled its time); bool and string tensors
 * fall back to the original kernels.
 */

/** The 4-byte dtypes {@link sliceInto} copies; others keep the original kernels. */
const words = (x: TensorInfo): boolean => x.dtype === "float32" || x.dtype === "int32";

/** A heap view of a 4-byte tensor as int32 words. */
const wordsOf = (wasm: BackendWasm, t: TensorInfo): Int32Array => {
	const v = wasm.typedArrayFromHeap(t);
	return new Int32Array(v.buffer, v.byteOffset, v.length);
};

/** Copies `x[begin : begin + size]` (any rank, float32 or int32) into a new wasm tensor. */
const sliceInto = (wasm: BackendWasm, x: TensorInfo, begin: number[], size: number[]): TensorInfo => {
	const out = wasm.makeOutput(size, x.dtype);
	if (util.sizeFromShape(size) === 0) return out;
	// Views, taken after makeOutput: no copy of the input, and valid for the rest of this call.
	const src = wordsOf(wasm, x);
	const dst = wordsOf(wasm, out);
	const rank = x.shape.length;
	const strides = util.computeStrides(x.shape);
	if (rank === 0 || slice_util.isSliceContinous(x.shape, begin, size)) {
		const offset = slice_util.computeFlatOffset(begin, strides);
		dst.set(src.subarray(offset, offset + dst.length));
		return out;
	}
	// Copy runs along the last axis. Short runs by hand: subarray + set allocates a view per run.
	const run = size[rank - 1] as number;
	const byHand = run < 64;
	// Collapse to [outer, middle, run] rows: outer dims 0..rank-3 by odometer, dim rank-2 by a loop.
	const rows = rank >= 2 ? (size[rank - 2] as number) : 1;
	const rowStride = rank >= 2 ? (strides[rank - 2] as number) : 0;
	const outer = size.slice(0, Math.max(0, rank - 2));
	const index = new Array<number>(outer.length).fill(0);
	let to = 0;
	for (;;) {
		let from = begin[rank - 1] as number;
		for (let d = 0; d < rank - 1; d++) from += ((begin[d] as number) + (index[d] ?? 0)) * (strides[d] as number);
		if (byHand)
			for (let r = 0; r < rows; r++, from += rowStride - run)
				for (let j = 0; j < run; j++) dst[to++] = src[from++] as number;
		else for (let r = 0; r < rows; r++, from += rowStride, to += run) dst.set(src.subarray(from, from + run), to);
		let d = outer.length - 1;
		while (d >= 0) {
			index[d] = (index[d] as number) + 1;
			if ((index[d] as number) < (outer[d] as number)) break;
			index[d] = 0;
			d--;
		}
		if (d < 0) break;
	}
	return out;
};

const missing = (kernel: string): never => {
	throw new Error(`${kernel} (wasm): missing input`);
};

/**
 * Wraps the original wasm `Slice` / `SplitV` / `Unpack` kernels (kept for bool and string tensors).
 *
 * @param originals the kernels registered by tfjs-backend-wasm, by name
 */
export const wasmSliceConfigs = (originals: {
	readonly slice: KernelConfig;
	readonly splitV: KernelConfig;
	readonly unpack: KernelConfig;
}): KernelConfig[] => {
	const slice: KernelFunc = (args) => {
		const x = args.inputs.x ?? missing("Slice");
		if (!words(x)) return originals.slice.kernelFunc(args);
		const { begin, size } = args.attrs as unknown as SliceAttrs;
		// parseSliceParams takes a TensorInfo but is typed with tfjs' Tensor; it reads only the shape
		const [begin_, size_] = slice_util.parseSliceParams(
			x as Parameters<typeof slice_util.parseSliceParams>[0],
			begin,
			size,
		) as [number[], number[]];
		return sliceInto(args.backend as BackendWasm, x, begin_, size_);
	};
	const splitV: KernelFunc = (args) => {
		const x = args.inputs.x ?? missing("SplitV");
		if (!words(x)) return originals.splitV.kernelFunc(args);
		const { numOrSizeSplits, axis } = args.attrs as unknown as SplitVAttrs;
		const ax = util.parseAxisParam(axis, x.shape)[0] as number;
		const sizes = backend_util.prepareSplitSize(x, numOrSizeSplits, ax);
		const begin = new Array<number>(x.shape.length).fill(0);
		return sizes.map((s) => {
			const size = [...x.shape];
			size[ax] = s;
			const piece = sliceInto(args.backend as BackendWasm, x, [...begin], size);
			begin[ax] = (begin[ax] as number) + s;
			return piece;
		});
	};
	const unpack: KernelFunc = (args) => {
		const value = args.inputs.value ?? missing("Unpack");
		if (!words(value)) return originals.unpack.kernelFunc(args);
		const rank = value.shape.length;
		let axis = (args.attrs as unknown as UnpackAttrs).axis;
		if (axis < 0) axis += rank;
		const outShape = value.shape.filter((_, i) => i !== axis);
		const size = [...value.shape];
		size[axis] = 1;
		const begin = new Array<number>(rank).fill(0);
		return Array.from({ length: value.shape[axis] as number }, (_, i) => {
			begin[axis] = i;
			const piece = sliceInto(args.backend as BackendWasm, value, [...begin], size);
			return { ...piece, shape: outShape };
		});
	};
	return [
		{ ...originals.slice, kernelFunc: slice },
		{ ...originals.splitV, kernelFunc: splitV },
		{ ...originals.unpack, kernelFunc: unpack },
	];
};

/** The kernel names {@link wasmSliceConfigs} replaces. */
export const WASM_SLICE_KERNELS = [Slice, SplitV, Unpack] as const;
