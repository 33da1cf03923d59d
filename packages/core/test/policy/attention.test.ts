/**
 * The two attention kernels of the policy model (batched rank-4 matmuls, and per-(row, head) 2-D
 * matmuls) give the same bits without a gradient tape and agree to float rounding in outputs and
 * gradients under one, with and without masks and a KV cache (contractions over and under the
 * 48-wide block of the batched loop); `auto` picks by query length; and a whole model trains the
 * same way with either.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs-core";
import {
	attention,
	evaluateTokens,
	packSequences,
	SLICED_ATTENTION_MIN_QUERIES,
	TransformerPolicy,
} from "../../src/policy/index.ts";
import { useBackend } from "./helpers.ts";

beforeAll(useBackend);

const maxDiff = (a: tf.Tensor, b: tf.Tensor): number =>
	tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);

/** Additive masks: none, causal `[1, 1, T, Tk]` (keys after a cache of Tk − T), per row `[B, 1, T, Tk]`. */
const masks = (B: number, T: number, Tk: number): Array<[string, tf.Tensor4D | undefined]> => {
	const past = Tk - T;
	const causal = new Float32Array(T * Tk);
	const padded = new Float32Array(B * T * Tk);
	for (let i = 0; i < T; i++)
		for (let j = 0; j < Tk; j++) {
			if (j > past + i) causal[i * Tk + j] = -1e9;
			for (let b = 0; b < B; b++) if (j > past + i || j < b) padded[(b * T + i) * Tk + j] = -1e9;
		}
	return [
		["no mask", undefined],
		["causal", tf.tensor4d(causal, [1, 1, T, Tk])],
		["causal + left padding", tf.tensor4d(padded, [B, 1, T, Tk])],
	];
};

describe("attention kernels", () => {
	for (const [B, H, T, Tk, dh] of [
		[2, 3, 5, 5, 4],
		[3, 2, 4, 9, 8],
		[1, 4, 33, 40, 16],
		[2, 2, 40, 100, 8],
		[1, 2, 34, 34, 64],
	] as const) {
		test(`sliced = batched (bit-identical without a tape; outputs and q/k/v gradients ≤ 1e-4 under one): B=${B} H=${H} T=${T} Tk=${Tk} dh=${dh}`, () => {
			const q = tf.randomNormal([B, H, T, dh], 0, 1, "float32", 1) as tf.Tensor4D;
			const k = tf.randomNormal([B, H, Tk, dh], 0, 1, "float32", 2) as tf.Tensor4D;
			const v = tf.randomNormal([B, H, Tk, dh], 0, 1, "float32", 3) as tf.Tensor4D;
			const dy = tf.randomNormal([B, H, T, dh], 0, 1, "float32", 4);
			const scale = 1 / Math.sqrt(dh);
			for (const [, mask] of masks(B, T, Tk)) {
				const outputs = (["batched", "sliced"] as const).map((kernels) => {
					const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
						attention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, mask, scale, kernels);
					const before = tf.memory().numTensors;
					const inference = tf.tidy(() => f(q, k, v));
					// under a tape: the output (as the loss's weights see it) and the q/k/v gradients
					const { value, grads } = tf.valueAndGrads((a, b, c) => tf.sum(tf.mul(f(a, b, c), dy)))([q, k, v]);
					expect(tf.memory().numTensors).toBe(before + 5);
					return [inference, value, ...grads];
				});
				const [batched, sliced] = outputs as [tf.Tensor[], tf.Tensor[]];
				// without a tape the sliced kernels sum in the batched loop's order: the same bits
				expect(maxDiff(batched[0] as tf.Tensor, sliced[0] as tf.Tensor)).toBe(0);
				batched.forEach((t, i) => {
					expect(sliced[i]?.shape).toEqual(t.shape);
					expect(maxDiff(t, sliced[i] as tf.Tensor)).toBeLessThanOrEqual(1e-4);
				});
				// "auto" is one of the two by query length (identical without a tape anyway)
				const auto = tf.grads((a, b, c) =>
					tf.sum(tf.mul(attention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, mask, scale), dy)),
				)([q, k, v]);
				const picked = T >= SLICED_ATTENTION_MIN_QUERIES ? sliced : batched;
				auto.forEach((g, i) => {
					expect(maxDiff(g, picked[i + 2] as tf.Tensor)).toBe(0);
				});
				tf.dispose([...batched, ...sliced, ...auto]);
				mask?.dispose();
			}
			tf.dispose([q, k, v, dy]);
		});
	}

	test("a model's loss and gradients agree between the kernels (T ≥ the sliced threshold)", () => {
		const config = { vocabSize: 30, contextLength: 40, dModel: 16, nLayers: 2, nHeads: 2, dFF: 32 };
		const model = TransformerPolicy.init(config, 3);
		const rows = [
			Array.from({ length: 36 }, (_, i) => 1 + ((i * 7) % 29)),
			Array.from({ length: 30 }, (_, i) => 1 + ((i * 5) % 29)),
		];
		const { ids } = packSequences(rows, 0);
		const lossAndGrads = (kernels: "batched" | "sliced") => {
			model.attention = kernels;
			return tf.variableGrads(
				() => tf.neg(tf.mean(evaluateTokens(model, ids, { entropy: true }).logProbs)) as tf.Scalar,
				model.variables(),
			);
		};
		const a = lossAndGrads("batched");
		const b = lossAndGrads("sliced");
		model.attention = "auto";
		expect(Math.abs((a.value.dataSync()[0] as number) - (b.value.dataSync()[0] as number))).toBeLessThanOrEqual(1e-5);
		for (const [name, g] of Object.entries(a.grads))
			expect(maxDiff(g, b.grads[name] as tf.Tensor)).toBeLessThanOrEqual(1e-4);
		tf.dispose([a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads), ids]);
		model.dispose();
	});
});
