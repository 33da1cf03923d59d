/**
 * The wasm Slice / SplitV / Unpack kernels that copy only the sliced rows (backend/wasm-slice.ts)
 * against a plain-JS reference: every rank up to 5, contiguous and strided slices, float32, int32
 * and bool, and no leaked tensors or wasm buffers.
 */
import { describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs-core";
import { wasmPatchesApplied } from "../src/backend/index.ts";
import { useBackends } from "./fixtures/backends.ts";

useBackends("wasm");

const strides = (shape: number[]): number[] => {
	const s = new Array<number>(shape.length).fill(1);
	for (let d = shape.length - 2; d >= 0; d--) s[d] = (s[d + 1] as number) * (shape[d + 1] as number);
	return s;
};

/** `x[begin : begin + size]` of a flat row-major array. */
const referenceSlice = (data: number[], shape: number[], begin: number[], size: number[]): number[] => {
	const st = strides(shape);
	const out: number[] = [];
	const total = size.reduce((a, b) => a * b, 1);
	for (let i = 0; i < total; i++) {
		let rest = i;
		let from = 0;
		for (let d = size.length - 1; d >= 0; d--) {
			const idx = rest % (size[d] as number);
			rest = Math.floor(rest / (size[d] as number));
			from += ((begin[d] as number) + idx) * (st[d] as number);
		}
		out.push(data[from] as number);
	}
	return out;
};

const cases: Array<[string, number[], number[], number[]]> = [
	["rank 1", [10], [3], [5]],
	["rank 2 rows (contiguous)", [6, 5], [2, 0], [3, 5]],
	["rank 2 columns (strided)", [6, 5], [1, 1], [4, 3]],
	["rank 3 one head (strided, short runs)", [4, 6, 8], [1, 2, 3], [2, 3, 2]],
	["rank 3 last position", [3, 7, 4], [0, 6, 0], [3, 1, 4]],
	["rank 4 heads", [2, 3, 5, 4], [1, 0, 2, 0], [1, 3, 2, 4]],
	["rank 4 long runs", [2, 3, 4, 40], [0, 1, 1, 3], [2, 2, 3, 33]],
	["rank 5", [2, 3, 2, 3, 4], [1, 1, 0, 1, 1], [1, 2, 2, 2, 3]],
	["empty", [4, 5], [1, 2], [0, 3]],
];

describe("wasm Slice / SplitV / Unpack without the whole-input copy", () => {
	test("are registered", () => {
		expect(wasmPatchesApplied()).toContain("Slice-view");
		expect(wasmPatchesApplied()).toContain("SplitV-view");
		expect(wasmPatchesApplied()).toContain("Unpack-view");
	});

	for (const [label, shape, begin, size] of cases) {
		for (const dtype of ["float32", "int32", "bool"] as const) {
			test(`Slice ${label} (${dtype})`, () => {
				const n = shape.reduce((a, b) => a * b, 1);
				const data = Array.from({ length: n }, (_, i) => (dtype === "bool" ? (i * 7) % 3 === 0 : i * 1.5 - 7));
				const numeric = data.map(Number);
				const ids = tf.backend().numDataIds();
				const x = tf.tensor(numeric, shape, dtype);
				const y = tf.slice(x, begin, size);
				expect(y.shape).toEqual(size);
				expect(y.dtype).toBe(dtype);
				const expected = referenceSlice(dtype === "int32" ? numeric.map(Math.trunc) : numeric, shape, begin, size);
				expect(Array.from(y.dataSync()).map(Number)).toEqual(expected);
				tf.dispose([x, y]);
				expect(tf.backend().numDataIds()).toBe(ids);
			});
		}
	}

	test("float32 bits survive (NaN, -0, ±Infinity, subnormals), strided and contiguous", () => {
		const special = [Number.NaN, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-45, -3.5, 0, 7];
		const x = tf.tensor(special, [2, 4]);
		for (const [begin, size] of [
			[
				[0, 0],
				[2, 3],
			],
			[
				[1, 0],
				[1, 4],
			],
		] as const) {
			const y = tf.slice(x, [...begin], [...size]);
			const expected = referenceSlice(special, [2, 4], [...begin], [...size]).map((v) => Math.fround(v));
			Array.from(y.dataSync()).forEach((v, i) => {
				expect(Object.is(v, expected[i])).toBe(true);
			});
			y.dispose();
		}
		x.dispose();
	});

	test("SplitV on every axis, equal and uneven sizes", () => {
		const shape = [3, 4, 6];
		const data = Array.from({ length: 72 }, (_, i) => i);
		for (let axis = 0; axis < 3; axis++) {
			const dim = shape[axis] as number;
			for (const sizes of [dim, [1, dim - 1]] as Array<number | number[]>) {
				const x = tf.tensor(data, shape);
				const parts = tf.split(x, sizes, axis);
				const widths = typeof sizes === "number" ? new Array<number>(sizes).fill(1) : sizes;
				let at = 0;
				parts.forEach((p, i) => {
					const begin = [0, 0, 0];
					const size = [...shape];
					begin[axis] = at;
					size[axis] = widths[i] as number;
					at += widths[i] as number;
					expect(p.shape).toEqual(size);
					expect(Array.from(p.dataSync())).toEqual(referenceSlice(data, shape, begin, size));
				});
				tf.dispose([x, ...parts]);
			}
		}
	});

	test("Unpack (unstack) on every axis, and gradients through slices", () => {
		const shape = [2, 3, 4];
		const data = Array.from({ length: 24 }, (_, i) => i * 0.5);
		const x = tf.tensor(data, shape);
		for (let axis = 0; axis < 3; axis++) {
			const parts = tf.unstack(x, axis);
			expect(parts.length).toBe(shape[axis] as number);
			parts.forEach((p, i) => {
				const begin = [0, 0, 0];
				const size = [...shape];
				begin[axis] = i;
				size[axis] = 1;
				expect(p.shape).toEqual(shape.filter((_, d) => d !== axis));
				expect(Array.from(p.dataSync())).toEqual(referenceSlice(data, shape, begin, size));
			});
			tf.dispose(parts);
		}
		// d/dx Σ (w ⊙ unstack(x)[1]) is w at slice 1 and 0 elsewhere
		const w = tf.tensor(
			Array.from({ length: 8 }, (_, i) => i + 1),
			[2, 4],
		);
		const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.unstack(t, 1)[1] as tf.Tensor, w)))(x);
		const expected = new Array<number>(24).fill(0);
		for (let b = 0; b < 2; b++) for (let j = 0; j < 4; j++) expected[b * 12 + 4 + j] = b * 4 + j + 1;
		expect(Array.from(g.dataSync())).toEqual(expected);
		tf.dispose([x, w, g]);
	});
});
