/**
 * The wasm Identity that shares its input's buffer (backend/wasm-identity.ts): clones read the
 * same values, outlive their source, free the buffer with the last reference, and training with
 * gradients (which clones every saved tensor) still matches autodiff on the cpu backend.
 */
import { describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, wasmPatchesApplied } from "../src/backend/index.ts";
import { useBackends } from "./fixtures/backends.ts";

useBackends("wasm");

describe("wasm Identity sharing the buffer", () => {
	test("is registered", () => {
		expect(wasmPatchesApplied()).toContain("Identity-shared");
	});

	test("clones share data, outlive the source and free it with the last reference", () => {
		const ids = tf.backend().numDataIds();
		for (const dtype of ["float32", "int32", "bool"] as const) {
			const x = tf.tensor([1, 0, 3, 4, 0, 6], [2, 3], dtype);
			const y = tf.clone(x);
			expect(y.dtype).toBe(dtype);
			expect(y.shape).toEqual([2, 3]);
			expect(tf.backend().numDataIds()).toBe(ids + 1);
			x.dispose();
			expect(Array.from(y.dataSync()).map(Number)).toEqual(dtype === "bool" ? [1, 0, 1, 1, 0, 1] : [1, 0, 3, 4, 0, 6]);
			y.dispose();
			expect(tf.backend().numDataIds()).toBe(ids);
		}
		const strings = tf.tensor(["a", "b"]);
		const s = tf.clone(strings);
		expect(s.dataSync() as unknown as string[]).toEqual(["a", "b"] as unknown as string[]);
		tf.dispose([strings, s]);
	});

	test("gradients through saved tensors match the cpu backend", async () => {
		const run = () => {
			const x = tf.tensor2d([0.5, -1, 2, 0.25, 3, -0.5], [2, 3]);
			const w = tf.variable(tf.tensor2d([0.1, 0.2, -0.3, 0.4, 0.5, -0.6], [3, 2]));
			const f = () => tf.sum(tf.softmax(tf.tanh(tf.matMul(x, w)))) as tf.Scalar;
			const opt = tf.train.adam(0.1);
			for (let i = 0; i < 3; i++) opt.minimize(() => tf.mul(f(), tf.sum(tf.exp(tf.matMul(x, w)))) as tf.Scalar);
			const out = Array.from(w.dataSync());
			tf.dispose([x, w]);
			opt.dispose();
			return out;
		};
		const wasm = run();
		await tf.setBackend("cpu");
		const cpu = run();
		await initBackend("wasm");
		wasm.forEach((v, i) => {
			expect(Math.abs(v - (cpu[i] as number))).toBeLessThanOrEqual(1e-5);
		});
	});
});
