import { beforeAll, describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/backend/index.ts";
import { accumulatedStep, clippedStep } from "../../src/train/index.ts";

beforeAll(() => initBackend("wasm"));

describe("optimizer steps", () => {
	test("Adam keeps each variable's moments when the set of variables a loss reaches changes between steps", () => {
		for (const step of ["clipped", "accumulated"] as const) {
			const a = tf.variable(tf.tensor1d([1, 2, 3]), true, `optim-test-${step}-a`);
			const b = tf.variable(tf.scalar(5), true, `optim-test-${step}-b`);
			const opt = tf.train.adam(0.1);
			const only = (loss: () => tf.Scalar) =>
				step === "clipped"
					? clippedStep(opt, [a, b], loss, 0)
					: accumulatedStep(opt, [a, b], [loss, loss], [0.5, 0.5], 0);
			// the first loss reaches b only, the second a only: tfjs keys moments by position, so the
			// gradients must come in the variables' order with zeros for the unreached one
			only(() => tf.square(b) as tf.Scalar);
			expect(() => only(() => tf.sum(tf.square(a)) as tf.Scalar)).not.toThrow();
			const av = a.dataSync();
			// a's moments were zero after step 1 (zero gradient); at Adam's step t = 2 a coordinate with a
			// positive gradient moves by lr · (0.1 / (1 − 0.9²)) / √(0.001 / (1 − 0.999²))
			const move = (0.1 * (0.1 / (1 - 0.9 ** 2))) / Math.sqrt(0.001 / (1 - 0.999 ** 2));
			for (const [i, v] of [1, 2, 3].entries()) expect(av[i]).toBeCloseTo(v - move, 4);
			expect(b.dataSync()[0]).toBeLessThan(5);
			opt.dispose();
			a.dispose();
			b.dispose();
		}
	});
});
