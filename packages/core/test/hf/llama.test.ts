import { beforeAll, describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs-core";
import { Effect } from "effect";
import { loadHfModel } from "../../src/hf/load.ts";
import { generate } from "../../src/policy/generate.ts";
import { useBackend } from "../policy/helpers.ts";
import { fixtureDir, MODEL_FIXTURES, maxAbsDiff, reference } from "./fixtures.ts";

beforeAll(useBackend);

const logitsOf = (model: { forward: Function; logits: Function }, ids: number[]): Float32Array =>
	tf.tidy(() => {
		const x = tf.tensor2d(Int32Array.from(ids), [1, ids.length], "int32");
		return (model.logits(model.forward(x).hidden) as tf.Tensor).dataSync() as Float32Array;
	});

describe("Llama-family decoder against transformers", () => {
	for (const name of MODEL_FIXTURES) {
		test(`${name}: logits within 1e-4, 24 greedy tokens identical (with and without the KV cache)`, async () => {
			const model = await Effect.runPromise(loadHfModel(fixtureDir(name)));
			const ref = reference(name);
			for (const p of ref.prompts) {
				expect(maxAbsDiff(logitsOf(model, p.ids), p.logits)).toBeLessThan(1e-4);
				for (const useCache of [true, false]) {
					const [g] = generate(model, [p.ids], {
						maxNewTokens: 24,
						stopToken: -1,
						padToken: 0,
						greedy: true,
						useCache,
					});
					expect(g?.tokens).toEqual(p.greedy as number[]);
					g?.logProbs.forEach((lp, i) => {
						expect(Math.abs(lp - (p.greedyLogProbs?.[i] as number))).toBeLessThan(1e-4);
					});
				}
			}
			model.dispose();
		});
	}
});
