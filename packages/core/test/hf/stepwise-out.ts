/**
 * Write what Stepwise makes of the Hugging Face fixtures, for scripts/hf-fixtures.py --check to
 * load in transformers and PEFT: directories written by `stepwise export` (a PEFT adapter merged,
 * a BF16 sharded Llama 3, a Mistral, a Llama built from scratch as `model.arch=llama` builds it)
 * and a LoRA adapter trained by Stepwise's SFT and saved in PEFT's format. Each gets
 * stepwise-logits.json: the logits Stepwise computes for the fixture prompts.
 *
 *     bun packages/core/test/hf/stepwise-out.ts && /tmp/hf-venv/bin/python scripts/hf-fixtures.py --check
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { Effect } from "effect";
import { initBackend } from "../../src/backend/index.ts";
import { llamaFromSize } from "../../src/hf/config.ts";
import { exportHf } from "../../src/hf/export.ts";
import { LlamaPolicy } from "../../src/hf/llama.ts";
import { loadHfModel } from "../../src/hf/load.ts";
import { saveAdapter } from "../../src/hf/peft.ts";
import type { PolicyModel } from "../../src/policy/policy-model.ts";
import { trainSft } from "../../src/policy/sft.ts";

const ROOT = join(import.meta.dir, "..", "fixtures", "hf");
const OUT = join(ROOT, "stepwise-out");
const prompts: number[][] = (
	JSON.parse(await Bun.file(join(ROOT, "qwen2-f32", "reference.json")).text()) as { prompts: Array<{ ids: number[] }> }
).prompts.map((p) => p.ids);

const logits = (model: PolicyModel) =>
	prompts.map((ids) => {
		const data = tf.tidy(() => {
			const x = tf.tensor2d(Int32Array.from(ids), [1, ids.length], "int32");
			return model.logits(model.forward(x).hidden).dataSync() as Float32Array;
		});
		const V = data.length / ids.length;
		return { ids, logits: ids.map((_, t) => Array.from(data.subarray(t * V, (t + 1) * V))) };
	});

const record = (dir: string, model: PolicyModel) =>
	writeFileSync(join(dir, "stepwise-logits.json"), JSON.stringify({ prompts: logits(model) }));

/** `stepwise export` itself, as a user runs it. */
const cli = (args: string[]) => {
	const r = Bun.spawnSync([
		"bun",
		join(import.meta.dir, "..", "..", "..", "..", "apps", "runner", "src", "main.ts"),
		"export",
		...args,
	]);
	if (r.exitCode !== 0) throw new Error(`stepwise export ${args.join(" ")}: ${r.stderr.toString()}`);
	console.log(r.stdout.toString().trim());
};

await initBackend("wasm");
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const fx = (name: string) => join(ROOT, name);

for (const [name, source, adapter] of [
	["export-qwen2-lora-merged", "qwen2-f32", "lora-qwen2"],
	["export-llama3-bf16-sharded", "llama3-bf16-sharded", undefined],
	["export-mistral", "mistral-f32", undefined],
	["export-llama-linear-f16", "llama-linear-f16", undefined],
] as const) {
	const dir = join(OUT, name);
	cli(["--policy", `hf:${fx(source)}`, ...(adapter ? ["--adapter", fx(adapter)] : []), "--out", dir]);
	const model = await Effect.runPromise(loadHfModel(fx(source), adapter ? { adapter: fx(adapter) } : {}));
	record(dir, model);
	model.dispose();
}

// a model built from scratch (model.arch=llama), exported with the fixture's tokenizer files
const scratch = LlamaPolicy.init(
	{
		...llamaFromSize({ vocabSize: 320, contextLength: 64, dModel: 32, nLayers: 2, nHeads: 4, dFF: 64 }, 2, 10000),
		initStd: 0.2,
	},
	3,
);
await Effect.runPromise(exportHf(scratch, join(OUT, "export-scratch-llama"), { tokenizerFrom: fx("qwen2-f32") }));
record(join(OUT, "export-scratch-llama"), scratch);
scratch.dispose();

// a LoRA adapter trained by Stepwise's SFT, saved for PEFT (its base is the Qwen2 fixture)
const lora = await Effect.runPromise(
	loadHfModel(fx("qwen2-f32"), {
		lora: { rank: 4, alpha: 16, dropout: 0, targets: ["q_proj", "v_proj", "o_proj", "up_proj", "down_proj"], seed: 2 },
	}),
);
const examples = prompts.map((ids) => ({ ids: [...ids, 5, 6, 7, 8], answerStart: ids.length }));
trainSft(lora, examples, examples, { batchSize: 3, learningRate: 3e-2, maxSteps: 10, evalEvery: 5, seed: 0 });
await Effect.runPromise(saveAdapter(join(OUT, "adapter-qwen2-sft"), lora, "../../qwen2-f32"));
record(join(OUT, "adapter-qwen2-sft"), lora);
lora.dispose();
console.log(`wrote ${OUT}`);
