/**
 * The wasm Sum over leading axes as a ones-row matmul (backend/wasm-sum.ts) gives the same bits as
 * tfjs-backend-wasm's own path (transpose the reduced axes innermost, then sum), keeps dims and
 * dtypes, and leaves other reductions to the original kernel.
 */
import { describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs-core";
import { wasmPatchesApplied } from "../src/backend/index.ts";
import { useBackends } from "./fixtures/backends.ts";

useBackends("wasm");

const bits = (t: tf.Tensor): number[] => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

describe("wasm Sum over leading axes", () => {
	test("is registered", () => {
		expect(wasmPatchesApplied()).toContain("Sum-leading");
	});

	const cases: Array<[number[], number | number[]]> = [
		[[4096, 64], 0],
		[
			[3, 5, 7],
			[0, 1],
		],
		[
			[3, 5, 7],
			[1, 0],
		],
		[[3, 5, 7], -3],
		[[2, 1, 9], 0],
		[[1000, 3], 0],
		[[7, 1], 0],
	];
	for (const [shape, axis] of cases)
		for (const keepDims of [false, true])
			test(`shape [${shape}] axis ${JSON.stringify(axis)} keepDims=${keepDims}: bit-identical to transpose + innermost sum`, () => {
				const n = shape.reduce((a, b) => a * b, 1);
				const x = tf.tensor(
					Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 10 ** ((i % 7) - 3)),
					shape,
				);
				const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + shape.length : a));
				const k = axes.length;
				const ids = tf.backend().numDataIds();
				const ours = tf.sum(x, axis, keepDims);
				// the original kernel's route: reduced axes moved innermost, then an innermost sum
				const perm = [...shape.keys()].slice(k).concat([...shape.keys()].slice(0, k));
				const moved = tf.transpose(x, perm);
				const reference = tf.sum(
					moved,
					Array.from({ length: k }, (_, i) => shape.length - k + i),
					false,
				);
				const expectedShape = keepDims ? shape.map((d, i) => (i < k ? 1 : d)) : shape.slice(k);
				expect(ours.shape).toEqual(expectedShape);
				expect(bits(ours)).toEqual(bits(reference));
				tf.dispose([ours, moved, reference]);
				expect(tf.backend().numDataIds()).toBe(ids);
				x.dispose();
			});

	test("int32, inner axes and all axes keep the original kernel's results", () => {
		const i = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], "int32");
		const s = tf.sum(i, 0);
		expect(s.dtype).toBe("int32");
		expect(Array.from(s.dataSync())).toEqual([9, 12]);
		const f = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
		expect(Array.from(tf.tidy(() => tf.sum(f, 1)).dataSync())).toEqual([4, 6, 12, 14]);
		expect(Array.from(tf.tidy(() => tf.sum(f)).dataSync())).toEqual([36]);
		tf.dispose([i, s, f]);
	});
});
