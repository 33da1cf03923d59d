/**
 * `stepwise sft` and `stepwise train` from a Hugging Face model directory with LoRA, end to end on
 * the tiny random Qwen2 fixture (core's test data, made by scripts/hf-fixtures.py): prompts in the
 * model's chat template, the base frozen bit for bit, the adapters trained, PEFT adapter files in
 * the checkpoints that reload to the same logits, export merging them, determinism in the seed, and
 * a bad `--policy hf:` as one typed error.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { ChatTemplateError } from "@stepwise/core/hf/chat-template";
import { LlamaPolicy, llamaParameterShapes } from "@stepwise/core/hf/llama";
import { loadHfModel, readHfConfig, readHfWeights } from "@stepwise/core/hf/load";
import { ADAPTER_FILES } from "@stepwise/core/hf/peft";
import { hfModelDirOf } from "@stepwise/core/hf/policy";
import { loadCheckpoint, type PolicyModel } from "@stepwise/core/policy/index";
import * as tf from "@tensorflow/tfjs-core";
import { Cause, Effect, Exit } from "effect";
import { reportCause } from "../src/errors.ts";
import { runCli } from "../src/main.ts";

const root = join(import.meta.dir, "..");
const fixture = join(root, "..", "..", "packages", "core", "test", "fixtures", "hf", "qwen2-f32");
const dir = mkdtempSync(join(tmpdir(), "stepwise-hf-lora-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const common = ["--config", join(root, "configs", "tiny.yaml"), "--backend", "wasm"];
/** SFT of a few steps on Sokoban 6×6 (compact prompts: about 76 of the fixture's 128 positions). */
const sftArgs = (runDir: string) => [
	"sft",
	...common,
	"--run-dir",
	runDir,
	"--policy",
	`hf:${fixture}`,
	"sft.episodes=8",
	"sft.validationEpisodes=2",
	"sft.steps=4",
	"sft.evalEvery=2",
	"sft.lr=0.01",
	"lora.rank=4",
	"sft.microBatchSize=4",
];
const rlArgs = ["train.iterations=1", "train.evalEvery=0", "train.evalTasks=2", "train.sampleEvery=0", "train.lr=0.01"];
/** RL of one iteration (unless `extra` says more) with `method` from `policy`. */
const trainArgs = (runDir: string, policy: string, method: string, ...extra: string[]) => [
	"train",
	...common,
	"--run-dir",
	runDir,
	"--policy",
	policy,
	"--method",
	method,
	...rlArgs,
	...extra,
];

const run = (args: ReadonlyArray<string>) => Effect.runPromise(runCli(args));
const load = (path: string) => Effect.runPromise(loadCheckpoint(path));
const base = Effect.runSync(Effect.flatMap(readHfConfig(fixture), (c) => readHfWeights(fixture, c)));

const logitsOf = (model: PolicyModel, ids: ReadonlyArray<number>): Float32Array =>
	tf.tidy(() => {
		const x = tf.tensor2d(Int32Array.from(ids), [1, ids.length], "int32");
		return model.logits(model.forward(x).hidden).dataSync() as Float32Array;
	});

const maxDiff = (a: Float32Array, b: Float32Array): number =>
	a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

/** The base weights are the fixture's, bit for bit; every adapter differs from `from` (name → values). */
const expectLora = (model: PolicyModel, from: ReadonlyMap<string, Float32Array>) => {
	expect(model).toBeInstanceOf(LlamaPolicy);
	const m = model as LlamaPolicy;
	for (const [name] of llamaParameterShapes(m.config)) {
		expect(m.params.has(name)).toBe(false);
		expect(m.weight(name).dataSync()).toEqual(base.get(name) as Float32Array);
	}
	const adapters = [...m.params.keys()].filter((n) => n.includes(".lora_"));
	expect(adapters.length).toBe(2 * 7 * m.config.nLayers);
	for (const name of adapters) {
		const now = m.params.get(name)?.dataSync() as Float32Array;
		expect(now.every(Number.isFinite)).toBe(true);
		expect(maxDiff(now, from.get(name) as Float32Array)).toBeGreaterThan(0);
	}
};

describe("stepwise sft / train from a Hugging Face model with LoRA", () => {
	const sftRun = join(dir, "sft");
	const sft = join(sftRun, "sft");

	test("sft --policy hf:DIR trains the adapters only, saves them as PEFT files, reloads to the same logits, deterministically", async () => {
		await run([...sftArgs(sftRun), "rollout.workers=0"]);
		const summary = JSON.parse(readFileSync(join(sft, "sft.json"), "utf8")) as { bestValLoss: number; from: string };
		expect(Number.isFinite(summary.bestValLoss)).toBe(true);
		expect(summary.from).toBe(`hf:${fixture}`);
		const config = JSON.parse(readFileSync(join(sft, "config.json"), "utf8")) as Record<string, unknown>;
		expect(config.base).toBe(fixture);
		expect(config.tokenizer).toBe("hf");
		const adapterConfig = JSON.parse(readFileSync(join(sft, ADAPTER_FILES.config), "utf8")) as Record<string, unknown>;
		expect(adapterConfig).toMatchObject({ peft_type: "LORA", r: 4, lora_alpha: 16, base_model_name_or_path: fixture });

		const loaded = await load(sft);
		// fresh adapters of the same settings: A as PEFT initialises it (seeded), B zero
		const fresh = LlamaPolicy.fromWeights(
			(loaded.model as LlamaPolicy).config,
			{ base },
			(loaded.model as LlamaPolicy).lora,
		);
		expectLora(loaded.model, await fresh.readValues());
		fresh.dispose();
		expect(loaded.optimizer).toBeDefined();

		// the prompt ids are the chat template's; the PEFT adapter on the base gives the same logits
		const ids = loaded.codec.promptIds({ style: "compact", text: "#####\n#_P_#\n" });
		expect(loaded.codec.decode(ids).startsWith("<|im_start|>user\n")).toBe(true);
		const peft = await Effect.runPromise(loadHfModel(fixture, { adapter: sft }));
		expect(logitsOf(peft, ids)).toEqual(logitsOf(loaded.model, ids));
		peft.dispose();

		// export merges the adapters into the base: the same logits from a plain HF directory
		const out = join(dir, "exported");
		await run(["export", "--policy", sft, "--out", out]);
		const merged = await Effect.runPromise(loadHfModel(out));
		expect(maxDiff(logitsOf(merged, ids), logitsOf(loaded.model, ids))).toBeLessThan(1e-4);
		expect(readFileSync(join(out, "tokenizer.json"), "utf8")).toBe(
			readFileSync(join(fixture, "tokenizer.json"), "utf8"),
		);
		merged.dispose();
		loaded.model.dispose();
		loaded.optimizer?.dispose();

		// the same seed gives the same adapters, byte for byte, also with a worker thread computing
		// half of every step's micro-batches
		const again = join(dir, "sft-again");
		await run([...sftArgs(again), "rollout.workers=1"]);
		expect(readFileSync(join(again, "sft", ADAPTER_FILES.weights))).toEqual(
			readFileSync(join(sft, ADAPTER_FILES.weights)),
		);
	}, 60_000);

	test("train --method grpo from the LoRA SFT checkpoint (rollouts in a worker thread) moves the adapters, not the base", async () => {
		const rl = join(dir, "grpo");
		await run(trainArgs(rl, sft, "grpo", "rollout.workers=1"));
		const before = await load(sft);
		const after = await load(join(rl, "checkpoints", "step_1"));
		expectLora(after.model, await before.model.readValues());
		const rows = readFileSync(join(rl, "metrics.jsonl"), "utf8")
			.trim()
			.split("\n")
			.map((l) => JSON.parse(l) as Record<string, number>);
		const last = rows.at(-1) ?? {};
		expect(Number.isFinite(last["losses/policy_loss"])).toBe(true);
		// eval takes the checkpoint (its env recorded with it)
		const evalRun = join(dir, "eval");
		await run([
			"eval",
			"--backend",
			"wasm",
			"--run-dir",
			evalRun,
			"--policy",
			join(rl, "checkpoints", "step_1"),
			"eval.tasks=2",
			"eval.seeds=[0]",
		]);
		const report = JSON.parse(readFileSync(join(evalRun, "eval.json"), "utf8")) as {
			spec: string;
			perSeed: { episodes: number }[];
		};
		expect(report.spec).toBe("sokoban/6x6-1box-v0");
		expect(report.perSeed[0]?.episodes).toBe(2);
		for (const l of [before, after]) {
			l.model.dispose();
			l.optimizer?.dispose();
		}
	}, 60_000);

	test("train --method ppo with a separate critic (a copy with its own adapters and value head) from the SFT checkpoint; resumes exactly", async () => {
		const rl = join(dir, "ppo");
		await run(trainArgs(rl, sft, "ppo", "rollout.workers=0"));
		const before = await load(sft);
		const step = join(rl, "checkpoints", "step_1");
		const after = await load(step);
		expectLora(after.model, await before.model.readValues());
		const critic = await load(join(step, "critic"));
		// the critic (and the reference) link the policy's Hugging Face tokenizer files, not copies
		expect(existsSync(join(step, "reference"))).toBe(true);
		for (const part of ["critic", "reference"])
			expect(statSync(join(step, part, "tokenizer.json")).ino).toBe(statSync(join(step, "tokenizer.json")).ino);
		const value = (critic.model as LlamaPolicy).params.get("value_head.weight")?.dataSync() as Float32Array;
		expect(value.some((v) => v !== 0)).toBe(true);
		expectLora(critic.model, await before.model.readValues());
		const rows = readFileSync(join(rl, "metrics.jsonl"), "utf8")
			.trim()
			.split("\n")
			.map((l) => JSON.parse(l) as Record<string, number>);
		expect(Number.isFinite(rows.at(-1)?.["losses/value_loss"])).toBe(true);
		// resumed from step_1 (adapters, heads, Adam state, reference and critic), iteration 2 is the
		// uninterrupted run's
		await run(["train", "--backend", "wasm", "--run-dir", rl, "--method", "ppo", "train.iterations=2"]);
		const whole = join(dir, "ppo-whole");
		await run(trainArgs(whole, sft, "ppo", "rollout.workers=0", "train.iterations=2"));
		for (const part of ["", "critic"])
			expect(readFileSync(join(rl, "checkpoints", "step_2", part, ADAPTER_FILES.weights))).toEqual(
				readFileSync(join(whole, "checkpoints", "step_2", part, ADAPTER_FILES.weights)),
			);
		for (const l of [before, after, critic]) {
			l.model.dispose();
			l.optimizer?.dispose();
		}
	}, 60_000);

	test("train --policy hf:DIR starts RL from fresh adapters on the frozen base", async () => {
		const rl = join(dir, "grpo-hf");
		await run(trainArgs(rl, `hf:${fixture}`, "grpo", "rollout.workers=0", "lora.rank=4"));
		const after = await load(join(rl, "checkpoints", "step_1"));
		const fresh = LlamaPolicy.fromWeights(
			(after.model as LlamaPolicy).config,
			{ base },
			(after.model as LlamaPolicy).lora,
		);
		// one update from B = 0 moves B (A's gradient is zero while B is)
		const m = after.model as LlamaPolicy;
		const moved = [...m.params.keys()].filter((n) => n.includes("lora_B"));
		const start = await fresh.readValues();
		for (const name of moved)
			expect(maxDiff(m.params.get(name)?.dataSync() as Float32Array, start.get(name) as Float32Array)).toBeGreaterThan(
				0,
			);
		for (const [name] of llamaParameterShapes(m.config))
			expect(m.weight(name).dataSync()).toEqual(base.get(name) as Float32Array);
		fresh.dispose();
		after.model.dispose();
		after.optimizer?.dispose();
	}, 60_000);

	test("explore and progress train take --policy hf:DIR: rollouts of the model as it is, then an estimator of adapters and heads on the frozen base", async () => {
		const spa = join(dir, "spa-hf");
		const explored = join(spa, "trajectories", "explore.jsonl");
		await run([
			"explore",
			...common,
			"--run-dir",
			spa,
			"--policy",
			`hf:${fixture}`,
			"progress.tasks=2",
			"progress.samples=2",
			"rollout.workers=0",
			"lora.rank=4",
		]);
		const lines = readFileSync(explored, "utf8").trim().split("\n");
		expect(lines).toHaveLength(4);
		await run([
			"progress",
			"train",
			"--backend",
			"wasm",
			"--run-dir",
			spa,
			"--policy",
			`hf:${fixture}`,
			"--trajectories",
			explored,
			"progress.epochs=1",
		]);
		const estimator = await load(join(spa, "progress"));
		const m = estimator.model as LlamaPolicy;
		expect(m.lora?.rank).toBe(4);
		for (const [name] of llamaParameterShapes(m.config))
			expect(m.weight(name).dataSync()).toEqual(base.get(name) as Float32Array);
		estimator.model.dispose();
		estimator.optimizer?.dispose();
	}, 60_000);

	test("hf:~/DIR is under the home directory; a chat template that cannot render, thrown inside a stage, is one input-error line", () => {
		expect(hfModelDirOf("hf:~/models/qwen")).toBe(join(homedir(), "models", "qwen"));
		expect(hfModelDirOf("hf:/abs/qwen")).toBe("/abs/qwen");
		const report = reportCause(
			Cause.die(
				new ChatTemplateError({
					message: "the tokenizer has no chat template (tokenizer_config.json chat_template or chat_template.jinja)",
				}),
			),
			false,
		);
		expect(report.code).toBe(2);
		expect(report.lines).toEqual([
			"error: ChatTemplateError: the tokenizer has no chat template (tokenizer_config.json chat_template or chat_template.jinja)",
		]);
	});

	test("--policy hf:/nonexistent is one typed error naming the file, exit code 2", async () => {
		const exit = await Effect.runPromiseExit(
			runCli(["sft", ...common, "--run-dir", join(dir, "bad"), "--policy", "hf:/nonexistent"]),
		);
		expect(Exit.isFailure(exit)).toBe(true);
		if (Exit.isSuccess(exit)) return;
		const report = reportCause(exit.cause, false);
		expect(report.code).toBe(2);
		expect(report.lines).toEqual(["error: HfModelError: /nonexistent/config.json: file is missing"]);
	});
});
