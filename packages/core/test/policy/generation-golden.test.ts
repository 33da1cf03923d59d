/**
 * Generation is bit-identical to the model code before the decoding speed-ups (commit de2ba81):
 * the fixture holds the tokens and log-probs that code produced (greedy and seeded top-p sampling,
 * with and without the KV cache, one and three prompts with left padding, with and without
 * line/column embeddings, and prompts of 35–60 tokens whose forward passes take the sliced
 * attention kernels, with head sizes 8 and 64), and they must come out exactly, not just close.
 * Regenerate the fixture only for an intended change of the model's numerics.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { type Generation, generate, type ModelConfig, TransformerPolicy } from "../../src/policy/index.ts";
import { Rng } from "../../src/util/rng.ts";
import golden from "../fixtures/generation-golden.json";
import { useBackend } from "./helpers.ts";

beforeAll(useBackend);

const configs: Record<string, ModelConfig> = {
	small: { vocabSize: 40, contextLength: 24, dModel: 32, nLayers: 2, nHeads: 4, dFF: 64 },
	grid: {
		vocabSize: 40,
		contextLength: 24,
		dModel: 32,
		nLayers: 2,
		nHeads: 4,
		dFF: 64,
		newlineToken: 12,
		maxLines: 4,
		maxColumns: 5,
	},
};
const promptSets = [
	[[1, 10, 11, 12]],
	[
		[1, 10, 11, 12],
		[1, 13],
		[1, 14, 15, 16, 17, 18, 19],
	],
	[[3]],
];
const expected = golden as Record<string, Generation[]>;

const long: Record<string, ModelConfig> = {
	long: { vocabSize: 60, contextLength: 80, dModel: 32, nLayers: 2, nHeads: 4, dFF: 64 },
	wide: { vocabSize: 60, contextLength: 80, dModel: 128, nLayers: 1, nHeads: 2, dFF: 64 },
};
const longPrompts = [50, 35, 60].map((n, b) => Array.from({ length: n }, (_, i) => 7 + ((i * 13 + b * 5) % 50)));

describe("generation golden", () => {
	for (const [name, config] of Object.entries(configs))
		test(`${name}: tokens and log-probs exactly as before`, () => {
			const m = TransformerPolicy.init(config, 1);
			promptSets.forEach((prompts, i) => {
				for (const useCache of [true, false]) {
					const base = { maxNewTokens: 10, stopToken: 6, padToken: 0, useCache };
					const greedy = generate(m, prompts, { ...base, greedy: true });
					const sampled = generate(m, prompts, {
						...base,
						rng: new Rng(7),
						temperature: 1.3,
						topP: 0.9,
						banned: [0, 2],
					});
					expect(greedy).toEqual(expected[`${name}/${i}/${useCache}/greedy`] as Generation[]);
					expect(sampled).toEqual(expected[`${name}/${i}/${useCache}/sample`] as Generation[]);
				}
			});
			m.dispose();
		});

	for (const [name, config] of Object.entries(long))
		test(`${name} (prompts of ${longPrompts.map((p) => p.length).join(", ")} tokens): exactly as before`, () => {
			const m = TransformerPolicy.init(config, 2);
			for (const useCache of [true, false]) {
				const base = { maxNewTokens: 10, stopToken: 6, padToken: 0, useCache };
				const greedy = generate(m, longPrompts, { ...base, greedy: true });
				const sampled = generate(m, longPrompts, {
					...base,
					rng: new Rng(7),
					temperature: 1.3,
					topP: 0.9,
					banned: [0, 2],
				});
				expect(greedy).toEqual(expected[`${name}/${useCache}/greedy`] as Generation[]);
				expect(sampled).toEqual(expected[`${name}/${useCache}/sample`] as Generation[]);
			}
			m.dispose();
		});
});
