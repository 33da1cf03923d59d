import { beforeAll, describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs-core";
import { Effect } from "effect";
import type { LlamaPolicy } from "../../src/hf/llama.ts";
import { loadHfModel } from "../../src/hf/load.ts";
import { generate } from "../../src/policy/generate.ts";
import { useBackend } from "../policy/helpers.ts";
import { fixtureDir, MODEL_FIXTURES, maxAbsDiff, reference } from "./fixtures.ts";

beforeAll(useBackend);

const logitsOf = (model: LlamaPolicy, ids: number[]): Float32Array =>
	tf.tidy(() => {
		const x = tf.tensor2d(Int32Array.from(ids), [1, ids.length], "int32");
		return model.logits(model.forward(x).hidden).dataSync() as Float32Array;
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

	test("left-padded batches: every row of a batched generation (KV cache) is transformers' greedy answer for that prompt alone", async () => {
		for (const name of ["qwen2-f32", "mistral-f32"] as const) {
			const model = await Effect.runPromise(loadHfModel(fixtureDir(name)));
			const ref = reference(name).prompts;
			const out = generate(
				model,
				ref.map((p) => p.ids),
				{ maxNewTokens: 24, stopToken: -1, padToken: 0, greedy: true },
			);
			out.forEach((g, i) => {
				expect(g.tokens).toEqual(ref[i]?.greedy as number[]);
			});
			model.dispose();
		}
	});

	test("a missing tensor, a misshaped tensor and an unsupported architecture are HfModelErrors naming file and tensor", async () => {
		const { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = await import("node:fs");
		const { tmpdir } = await import("node:os");
		const { join } = await import("node:path");
		const { decodeSafetensors, encodeSafetensors } = await import("../../src/policy/safetensors.ts");
		const dir = mkdtempSync(join(tmpdir(), "hf-bad-"));
		try {
			cpSync(fixtureDir("qwen2-f32"), dir, { recursive: true });
			const file = join(dir, "model.safetensors");
			const st = decodeSafetensors(new Uint8Array(readFileSync(file)));
			const rewrite = (
				f: (name: string, shape: number[], data: Float32Array) => [number[], Float32Array] | undefined,
			) =>
				writeFileSync(
					file,
					encodeSafetensors(
						[...st.tensors].flatMap(([name, t]) => {
							const r = f(name, t.shape, t.data);
							return r === undefined ? [] : [{ name, shape: r[0], data: r[1] }];
						}),
					),
				);
			const error = async () => {
				const exit = await Effect.runPromiseExit(loadHfModel(dir));
				expect(exit._tag).toBe("Failure");
				return String(exit._tag === "Failure" ? JSON.stringify(exit.cause) : "");
			};
			rewrite((n, s, d) => (n === "model.layers.1.mlp.up_proj.weight" ? undefined : [s, d]));
			expect(await error()).toContain("model.safetensors: tensor model.layers.1.mlp.up_proj.weight is missing");
			rewrite((n, s, d) => (n === "model.layers.0.self_attn.k_proj.bias" ? [[s[0] as number, 1], d] : [s, d]));
			expect(await error()).toContain("tensor model.layers.0.self_attn.k_proj.bias has shape [16,1], expected [16]");
			const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
			writeFileSync(join(dir, "config.json"), JSON.stringify({ ...config, architectures: ["GPTNeoXForCausalLM"] }));
			expect(await error()).toContain('config.json: architectures: unsupported architecture \\"GPTNeoXForCausalLM\\"');
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
