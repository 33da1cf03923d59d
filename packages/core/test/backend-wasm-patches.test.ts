/**
 * The wasm kernel patches checked directly: transposed (fused) matmuls against a plain-JS
 * reference, and UnsortedSegmentSum with out-of-range ids and multi-dim inner sizes.
 */
import { describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs-core";
import { patchWasmKernels, WASM_PATCHES, wasmPatchesApplied } from "../src/backend/index.ts";
import { useBackends } from "./fixtures/backends.ts";

const values = (size: number, seed: number): number[] =>
	Array.from({ length: size }, (_, i) => Math.sin(seed * 1000 + i * 12.9898) * 2);

/** Reference batched matmul on plain arrays, with numpy-style broadcasting of the batch dims. */
const referenceMatMul = (
	a: { shape: number[]; data: number[] },
	b: { shape: number[]; data: number[] },
	transposeA: boolean,
	transposeB: boolean,
): { shape: number[]; data: number[] } => {
	const [ar, ac] = a.shape.slice(-2) as [number, number];
	const [br, bc] = b.shape.slice(-2) as [number, number];
	const [m, k] = transposeA ? [ac, ar] : [ar, ac];
	const n = transposeB ? br : bc;
	const batchA = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
	const batchB = b.shape.slice(0, -2).reduce((x, y) => x * y, 1);
	const batch = Math.max(batchA, batchB);
	const data: number[] = [];
	for (let s = 0; s < batch; s++) {
		const offA = (batchA === 1 ? 0 : s) * ar * ac;
		const offB = (batchB === 1 ? 0 : s) * br * bc;
		for (let i = 0; i < m; i++) {
			for (let j = 0; j < n; j++) {
				let sum = 0;
				for (let p = 0; p < k; p++) {
					const av = a.data[offA + (transposeA ? p * ac + i : i * ac + p)] ?? Number.NaN;
					const bv = b.data[offB + (transposeB ? j * bc + p : p * bc + j)] ?? Number.NaN;
					sum += av * bv;
				}
				data.push(sum);
			}
		}
	}
	const batchShape = (a.shape.length >= b.shape.length ? a.shape : b.shape).slice(0, -2);
	return { shape: [...batchShape.map((d, i) => Math.max(d, b.shape.slice(0, -2)[i] ?? 1)), m, n], data };
};

const maxAbsDiff = (actual: ArrayLike<number>, expected: ArrayLike<number>): number => {
	expect(actual.length).toBe(expected.length);
	let worst = 0;
	for (let i = 0; i < expected.length; i++)
		worst = Math.max(worst, Math.abs((actual[i] ?? Number.NaN) - (expected[i] ?? 0)));
	return Number.isNaN(worst) ? Number.POSITIVE_INFINITY : worst;
};

/** Data ids held by the wasm backend: catches a kernel that leaks its temporaries. */
const wasmDataIds = (): number => tf.backend().numDataIds();

useBackends("wasm");

describe("wasm kernel patches", () => {
	test("are all registered, and patching again changes nothing", () => {
		expect(wasmPatchesApplied()).toEqual([...WASM_PATCHES]);
		const before = tf.getKernel("BatchMatMul", "wasm").kernelFunc;
		expect(patchWasmKernels()).toEqual([...WASM_PATCHES]);
		expect(tf.getKernel("BatchMatMul", "wasm").kernelFunc).toBe(before);
		// Only wasm kernels are touched.
		expect(tf.getKernel("UnsortedSegmentSum", "cpu")).toBeDefined();
	});

	const shapes: Array<[string, number[], number[]]> = [
		["2D", [5, 7], [7, 3]],
		["3D batched", [3, 4, 6], [3, 6, 5]],
		["4D batched", [2, 2, 3, 4], [2, 2, 4, 5]],
		["batch broadcast", [1, 4, 6], [3, 6, 2]],
		["size-1 dims (no-op transposes)", [1, 6], [6, 1]],
	];
	for (const [label, aShape, bShape] of shapes) {
		for (const [transposeA, transposeB] of [
			[false, false],
			[true, false],
			[false, true],
			[true, true],
		] as const) {
			test(`BatchMatMul ${label}, transposeA=${transposeA} transposeB=${transposeB}`, () => {
				const swap = (shape: number[], flag: boolean) =>
					flag ? [...shape.slice(0, -2), shape.at(-1) ?? 0, shape.at(-2) ?? 0] : shape;
				const a = {
					shape: swap(aShape, transposeA),
					data: values(
						aShape.reduce((x, y) => x * y, 1),
						1,
					),
				};
				const b = {
					shape: swap(bShape, transposeB),
					data: values(
						bShape.reduce((x, y) => x * y, 1),
						2,
					),
				};
				const expected = referenceMatMul(a, b, transposeA, transposeB);
				const ids = wasmDataIds();
				const tensors = tf.memory().numTensors;
				const [at, bt] = [tf.tensor(a.data, a.shape), tf.tensor(b.data, b.shape)];
				const out = tf.matMul(at, bt, transposeA, transposeB);
				expect(out.shape).toEqual(expected.shape);
				expect(maxAbsDiff(out.dataSync(), expected.data)).toBeLessThanOrEqual(1e-4);
				tf.dispose([at, bt, out]);
				expect(tf.memory().numTensors).toBe(tensors);
				expect(wasmDataIds()).toBe(ids);
			});
		}
	}

	test("_FusedMatMul with transposes, bias and relu", () => {
		const ids = wasmDataIds();
		const a = { shape: [6, 4], data: values(24, 3) };
		const b = { shape: [5, 6], data: values(30, 4) };
		const bias = values(5, 5);
		const plain = referenceMatMul(a, b, true, true);
		const expected = plain.data.map((v, i) => Math.max(0, v + (bias[i % 5] ?? 0)));
		const out = tf.tidy(() =>
			tf.fused.matMul({
				a: tf.tensor(a.data, a.shape),
				b: tf.tensor(b.data, b.shape),
				transposeA: true,
				transposeB: true,
				bias: tf.tensor1d(bias),
				activation: "relu",
			}),
		);
		expect(out.shape).toEqual([4, 5]);
		expect(maxAbsDiff(out.dataSync(), expected)).toBeLessThanOrEqual(1e-4);
		out.dispose();
		expect(wasmDataIds()).toBe(ids);
	});

	test("UnsortedSegmentSum drops out-of-range ids and sums multi-dim rows", () => {
		const x = values(6 * 3 * 2, 6);
		const ids = [0, 2, -1, 2, 5, 1];
		const numSegments = 4;
		const expected = new Array<number>(numSegments * 6).fill(0);
		ids.forEach((segment, row) => {
			if (segment < 0 || segment >= numSegments) return;
			for (let j = 0; j < 6; j++) expected[segment * 6 + j] = (expected[segment * 6 + j] ?? 0) + (x[row * 6 + j] ?? 0);
		});
		const before = tf.memory().numTensors;
		const out = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor(x, [6, 3, 2]), tf.tensor1d(ids, "int32"), numSegments));
		expect(out.shape).toEqual([numSegments, 3, 2]);
		expect(out.dtype).toBe("float32");
		expect(maxAbsDiff(out.dataSync(), expected)).toBeLessThanOrEqual(1e-5);
		out.dispose();
		expect(tf.memory().numTensors).toBe(before);
	});

	test("UnsortedSegmentSum on int32 and with rank-2 segment ids", () => {
		const ints = tf.tidy(() =>
			tf.unsortedSegmentSum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], "int32"), tf.tensor1d([1, 1, 7], "int32"), 2),
		);
		expect(ints.dtype).toBe("int32");
		expect(Array.from(ints.dataSync())).toEqual([0, 0, 4, 6]);
		// ids [2, 2] over the leading dims of x [2, 2, 3]: TensorFlow's semantics.
		const ranked = tf.tidy(() =>
			tf.unsortedSegmentSum(
				tf.tensor3d(
					Array.from({ length: 12 }, (_, i) => i),
					[2, 2, 3],
				),
				// Typed as Tensor1D by tfjs-core, but the kernel (like TensorFlow's) takes any rank.
				tf.tensor2d([0, 1, 1, 9], [2, 2], "int32") as unknown as tf.Tensor1D,
				2,
			),
		);
		expect(ranked.shape as number[]).toEqual([2, 3]);
		expect(Array.from(ranked.dataSync())).toEqual([0, 1, 2, 3 + 6, 4 + 7, 5 + 8]);
		tf.dispose([ints, ranked]);
	});

	test("transposed matmul runs at plain-matmul speed (unpatched wasm is ~10x slower)", () => {
		const n = 256;
		const [a, b] = [tf.randomNormal([n, n]), tf.randomNormal([n, n])];
		const best = (transposeB: boolean): number => {
			let fastest = Number.POSITIVE_INFINITY;
			for (let i = 0; i < 6; i++) {
				const start = performance.now();
				const out = tf.matMul(a, b, false, transposeB);
				out.dataSync();
				fastest = Math.min(fastest, performance.now() - start);
				out.dispose();
			}
			return fastest;
		};
		best(false);
		const ratio = best(true) / best(false);
		tf.dispose([a, b]);
		expect(ratio).toBeLessThan(4);
	});
});
