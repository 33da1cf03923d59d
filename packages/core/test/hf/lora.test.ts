import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { Effect } from "effect";
import { llamaFromSize } from "../../src/hf/config.ts";
import { exportHf } from "../../src/hf/export.ts";
import { LlamaPolicy } from "../../src/hf/llama.ts";
import { loadHfModel } from "../../src/hf/load.ts";
import type { LoraSpec } from "../../src/hf/lora.ts";
import { saveAdapter } from "../../src/hf/peft.ts";
import { loadHfPolicy } from "../../src/hf/policy.ts";
import { loadCheckpoint, saveCheckpoint } from "../../src/policy/checkpoint.ts";
import type { SftExample } from "../../src/policy/demos.ts";
import { decodeSafetensors } from "../../src/policy/safetensors.ts";
import { trainSft } from "../../src/policy/sft.ts";
import { groupRelativeUpdate, scoreRows, toRowBatch } from "../../src/train/index.ts";
import { useBackend } from "../policy/helpers.ts";
import { adam, FIT, grpoCredit, rollouts, tinyPolicy } from "../train/helpers.ts";
import { fixtureDir, maxAbsDiff, reference } from "./fixtures.ts";

beforeAll(useBackend);

const ALL: LoraSpec = {
	rank: 4,
	alpha: 8,
	dropout: 0,
	targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
};

const logitsOf = (model: LlamaPolicy, ids: number[]): Float32Array =>
	tf.tidy(() => {
		const x = tf.tensor2d(Int32Array.from(ids), [1, ids.length], "int32");
		return model.logits(model.forward(x).hidden).dataSync() as Float32Array;
	});

const load = (options: Parameters<typeof loadHfModel>[1] = {}) =>
	Effect.runPromise(loadHfModel(fixtureDir("qwen2-f32"), options));

const frozenValues = (m: LlamaPolicy) => new Map([...m.frozen].map(([k, t]) => [k, Array.from(t.dataSync())]));

const examples: SftExample[] = reference("qwen2-f32").prompts.map((p) => ({
	ids: [...p.ids, ...(p.greedy ?? []).slice(0, 6).reverse()],
	answerStart: p.ids.length,
}));

describe("LoRA", () => {
	test("a PEFT adapter (built with peft) loads on its base with transformers' logits (1e-4)", async () => {
		const model = await load({ adapter: fixtureDir("lora-qwen2") });
		for (const p of reference("lora-qwen2").prompts)
			expect(maxAbsDiff(logitsOf(model, p.ids), p.logits)).toBeLessThan(1e-4);
		model.dispose();
	});

	test("fresh adapters start as the base (B = 0); SFT trains adapters and heads only; saved in PEFT's names and read back equal", async () => {
		const base = await load();
		const model = await load({ lora: { ...ALL, dropout: 0.1, seed: 3 } });
		const ids = examples[0]?.ids as number[];
		expect(maxAbsDiff(logitsOf(model, ids), [Array.from(logitsOf(base, ids))])).toBe(0);
		expect(model.variables().every((v) => v.name.includes("lora_") || v.name.includes("_head"))).toBe(true);
		const before = frozenValues(model);
		const result = trainSft(model, examples, examples, {
			batchSize: 3,
			learningRate: 1e-2,
			maxSteps: 8,
			evalEvery: 4,
			seed: 0,
		});
		expect(result.steps).toBe(8);
		expect(frozenValues(model)).toEqual(before);
		const after = logitsOf(model, ids);
		expect(maxAbsDiff(after, [Array.from(logitsOf(base, ids))])).toBeGreaterThan(1e-3);
		const dir = mkdtempSync(join(tmpdir(), "lora-"));
		try {
			await Effect.runPromise(saveAdapter(join(dir, "adapter"), model, fixtureDir("qwen2-f32")));
			const file = decodeSafetensors(new Uint8Array(readFileSync(join(dir, "adapter", "adapter_model.safetensors"))));
			expect(file.tensors.has("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")).toBe(true);
			expect(file.tensors.get("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight")?.shape).toEqual([32, 4]);
			const config = JSON.parse(readFileSync(join(dir, "adapter", "adapter_config.json"), "utf8"));
			expect(config).toMatchObject({ peft_type: "LORA", r: 4, lora_alpha: 8, lora_dropout: 0.1 });
			const back = await load({ adapter: join(dir, "adapter") });
			expect(maxAbsDiff(logitsOf(back, ids), [Array.from(after)])).toBeLessThan(1e-6);
			back.dispose();
			// merged export: the adapters folded into the weights give the same logits without LoRA
			await Effect.runPromise(exportHf(model, join(dir, "export")));
			const exported = await Effect.runPromise(loadHfModel(join(dir, "export")));
			expect(exported.lora).toBeUndefined();
			expect(maxAbsDiff(logitsOf(exported, ids), [Array.from(after)])).toBeLessThan(1e-4);
			exported.dispose();
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
		for (const m of [base, model]) m.dispose();
	});

	test("Stepwise checkpoints of Llama policies (full, LoRA with its frozen base) restore the same model and Adam state", async () => {
		const codec = tinyPolicy().codec;
		const config = llamaFromSize(
			{ vocabSize: codec.vocabSize, contextLength: 32, dModel: 16, nLayers: 1, nHeads: 4, dFF: 32 },
			2,
			10000,
		);
		const dir = mkdtempSync(join(tmpdir(), "llama-ckpt-"));
		try {
			for (const lora of [undefined, ALL]) {
				const model = LlamaPolicy.init(config, 5, lora);
				const opt = adam(1e-2);
				const ids = tf.tensor2d([[1, 2, 3, 4, 5]], [1, 5], "int32");
				for (let i = 0; i < 2; i++)
					opt.minimize(() => tf.mean(model.logits(model.forward(ids).hidden)) as tf.Scalar, false, model.variables());
				await Effect.runPromise(saveCheckpoint(join(dir, "ck"), { model, codec, optimizer: opt as tf.AdamOptimizer }));
				const back = await Effect.runPromise(loadCheckpoint(join(dir, "ck")));
				expect(back.model.arch).toBe("llama");
				expect((back.model as LlamaPolicy).lora).toEqual(lora);
				const x = [1, 2, 3, 4, 5];
				expect(maxAbsDiff(logitsOf(back.model as LlamaPolicy, x), [Array.from(logitsOf(model, x))])).toBe(0);
				expect(back.optimizer).toBeDefined();
				ids.dispose();
				opt.dispose();
				back.optimizer?.dispose();
				back.model.dispose();
				model.dispose();
			}
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	test("a checkpoint of an HF policy keeps its tokenizer files after the checkpoint it was loaded from is gone", async () => {
		// SFT resumed from `sft.partial.old` removes that checkpoint before saving the next one
		const dir = mkdtempSync(join(tmpdir(), "hf-gone-"));
		try {
			const policy = await Effect.runPromise(loadHfPolicy(fixtureDir("qwen2-f32"), { lora: { ...ALL, seed: 3 } }));
			await Effect.runPromise(saveCheckpoint(join(dir, "old"), policy));
			const loaded = await Effect.runPromise(loadCheckpoint(join(dir, "old")));
			rmSync(join(dir, "old"), { recursive: true });
			await Effect.runPromise(saveCheckpoint(join(dir, "next"), { model: loaded.model, codec: loaded.codec }));
			expect(readFileSync(join(dir, "next", "tokenizer.json"))).toEqual(
				readFileSync(join(fixtureDir("qwen2-f32"), "tokenizer.json")),
			);
			const back = await Effect.runPromise(loadCheckpoint(join(dir, "next")));
			const prompt = { style: "compact", text: "go north" } as const;
			expect(back.codec.promptIds(prompt)).toEqual(policy.codec.promptIds(prompt));
			for (const m of [back.model, loaded.model, policy.model]) m.dispose();
			loaded.optimizer?.dispose();
			back.optimizer?.dispose();
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	test("an RL update (group-relative) on an HF fixture with LoRA moves the adapters, not the base", async () => {
		const model = await load({ lora: { ...ALL, targets: ["q_proj", "v_proj"], seed: 1 } });
		const policy = { model, codec: tinyPolicy().codec };
		const batch = rollouts(policy, 2, 2, 1);
		const rb = toRowBatch(batch, FIT);
		const before = frozenValues(model);
		const lpBefore = scoreRows(model, rb).logProbs;
		const opt = adam(1e-2);
		const credit = grpoCredit(batch);
		const advantages = rb.rows.map((_, i) => (i % 2 === 0 ? 1 : -1));
		const stats = groupRelativeUpdate({ model, optimizer: opt, pad: policy.codec.padId }, batch, advantages, FIT, {
			klCoef: 0,
			entropyCoef: 0,
			epochs: 2,
		});
		expect(Number.isFinite(stats["losses/policy_loss"] ?? Number.NaN) || Object.keys(stats).length > 0).toBe(true);
		expect(credit.advantages.length).toBe(2);
		expect(frozenValues(model)).toEqual(before);
		const lpAfter = scoreRows(model, rb).logProbs;
		let moved = 0;
		for (let i = 0; i < lpAfter.length; i++)
			moved = Math.max(moved, Math.abs((lpAfter[i] as number) - (lpBefore[i] as number)));
		expect(moved).toBeGreaterThan(1e-4);
		opt.dispose();
		model.dispose();
	});
});
