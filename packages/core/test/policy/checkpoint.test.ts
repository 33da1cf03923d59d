import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { Effect, Exit } from "effect";
import {
	buildTokenizer,
	CHECKPOINT_FILES,
	decodeSafetensors,
	evaluateTokens,
	loadCheckpoint,
	type ModelConfig,
	packSequences,
	readCheckpointConfig,
	saveCheckpoint,
	TransformerPolicy,
} from "../../src/policy/index.ts";
import type { PolicyModel } from "../../src/policy/policy-model.ts";
import { stepwisePromptCodec } from "../../src/policy/prompt-codec.ts";
import { useBackend } from "./helpers.ts";

const tokenizer = buildTokenizer(["up down left right", "#_P_O#"]);
const codec = stepwisePromptCodec(tokenizer);
const cfg: ModelConfig = {
	vocabSize: tokenizer.vocabSize,
	contextLength: 16,
	dModel: 16,
	nLayers: 1,
	nHeads: 2,
	dFF: 32,
};
const root = mkdtempSync(join(tmpdir(), "stepwise-ckpt-"));

beforeAll(useBackend);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const trainStep = (m: PolicyModel, opt: tf.Optimizer, ids: tf.Tensor2D) => {
	const l = opt.minimize(() => tf.neg(tf.mean(evaluateTokens(m, ids).logProbs)) as tf.Scalar, true, m.variables());
	const v = l?.dataSync()[0] as number;
	l?.dispose();
	return v;
};

const errorOf = (exit: Exit.Exit<unknown, { message: string; path: string }>): { message: string; path: string } => {
	if (Exit.isSuccess(exit)) throw new Error("expected a failure");
	const f = exit.cause.reasons.find((r) => r._tag === "Fail");
	if (f === undefined || f._tag !== "Fail") throw new Error(String(exit.cause));
	return f.error;
};

describe("checkpoints", () => {
	test("save → load restores weights, tokenizer, optimizer and state; training resumes identically", async () => {
		const ids = packSequences(
			[
				[1, 7, 8, 9, 10],
				[1, 11, 12],
			],
			0,
		).ids;
		const m = TransformerPolicy.init(cfg, 0);
		const opt = tf.train.adam(1e-2);
		for (let i = 0; i < 3; i++) trainStep(m, opt, ids);
		const dir = join(root, "step_3");
		await Effect.runPromise(saveCheckpoint(dir, { model: m, codec, optimizer: opt, state: { step: 3 } }));
		expect(readdirSync(dir).sort()).toEqual(Object.values(CHECKPOINT_FILES).sort());
		expect(readdirSync(root).filter((f) => f.includes(".tmp"))).toEqual([]);
		const file = decodeSafetensors(new Uint8Array(readFileSync(join(dir, CHECKPOINT_FILES.model))));
		expect(file.tensors.get("tok_emb")?.shape).toEqual([cfg.vocabSize, cfg.dModel]);
		const loaded = await Effect.runPromise(loadCheckpoint(dir, { expect: cfg }));
		expect(loaded.state).toEqual({ step: 3 });
		expect(loaded.codec.tokenizer.kind === "stepwise" && loaded.codec.tokenizer.tokenizer.toJSON()).toEqual(
			tokenizer.toJSON(),
		);
		const [a, b] = [await m.readValues(), await loaded.model.readValues()];
		for (const [name, v] of a) expect(Array.from(b.get(name) ?? [])).toEqual(Array.from(v));
		const next = trainStep(m, opt, ids);
		const resumed = trainStep(loaded.model, loaded.optimizer as tf.Optimizer, ids);
		expect(resumed).toBeCloseTo(next, 6);
		const [a2, b2] = [await m.readValues(), await loaded.model.readValues()];
		const w = "blocks.0.attn.qkv.weight";
		Array.from(a2.get(w) ?? []).forEach((x, i) => {
			expect(b2.get(w)?.[i]).toBeCloseTo(x, 6);
		});
		// overwriting an existing checkpoint is atomic too
		await Effect.runPromise(saveCheckpoint(dir, { model: m, codec }));
		expect(readdirSync(dir)).not.toContain(CHECKPOINT_FILES.optimizer);
		expect(readdirSync(root)).toEqual(["step_3"]);
		for (const x of [m, loaded.model]) x.dispose();
		opt.dispose();
		loaded.optimizer?.dispose();
		ids.dispose();
	});

	test("a checkpoint records the env it was trained on; one without (older) loads with none; a bad record is named", async () => {
		const m = TransformerPolicy.init(cfg, 3);
		const env = { spec: "x/y-v0", options: { size: 3 }, promptStyle: "compact" as const, maxNewTokens: 8 };
		const dir = join(root, "with-env");
		await Effect.runPromise(saveCheckpoint(dir, { model: m, codec, env }));
		const loaded = await Effect.runPromise(loadCheckpoint(dir));
		expect(loaded.env).toEqual(env);
		expect((await Effect.runPromise(readCheckpointConfig(dir))).env).toEqual(env);
		loaded.model.dispose();
		const bare = join(root, "without-env");
		await Effect.runPromise(saveCheckpoint(bare, { model: m, codec }));
		expect(JSON.parse(readFileSync(join(bare, CHECKPOINT_FILES.config), "utf8")).env).toBeUndefined();
		const old = await Effect.runPromise(loadCheckpoint(bare));
		expect(old.env).toBeUndefined();
		old.model.dispose();
		const config = JSON.parse(readFileSync(join(dir, CHECKPOINT_FILES.config), "utf8"));
		writeFileSync(
			join(dir, CHECKPOINT_FILES.config),
			JSON.stringify({ ...config, env: { ...env, promptStyle: "verbose" } }),
		);
		const exit = await Effect.runPromiseExit(loadCheckpoint(dir));
		expect(Exit.isFailure(exit) ? String(exit.cause) : "").toContain(CHECKPOINT_FILES.config);
		m.dispose();
	});

	test("corrupt or mismatched checkpoints fail with a CheckpointError naming the file", async () => {
		const m = TransformerPolicy.init(cfg, 0);
		const dir = join(root, "bad");
		const save = () => Effect.runPromise(saveCheckpoint(dir, { model: m, codec }));
		const load = async (expectCfg?: ModelConfig) =>
			errorOf(await Effect.runPromiseExit(loadCheckpoint(dir, expectCfg ? { expect: expectCfg } : {})));
		await save();
		const modelPath = join(dir, CHECKPOINT_FILES.model);
		const bytes = readFileSync(modelPath);
		writeFileSync(modelPath, bytes.subarray(0, bytes.length - 10));
		let e = await load();
		expect(e.path).toBe(modelPath);
		expect(e.message).toContain("corrupt safetensors");

		await save();
		e = await load({ ...cfg, dModel: 32 });
		expect(e.path).toBe(join(dir, CHECKPOINT_FILES.config));
		expect(e.message).toContain("dModel is 16, expected 32");

		writeFileSync(
			join(dir, CHECKPOINT_FILES.tokenizer),
			JSON.stringify(buildTokenizer(["other text entirely"]).toJSON()),
		);
		e = await load();
		expect(e.path).toBe(join(dir, CHECKPOINT_FILES.tokenizer));
		expect(e.message).toContain("vocabSize");

		await save();
		writeFileSync(join(dir, CHECKPOINT_FILES.config), "{not json");
		e = await load();
		expect(e.message).toContain("not valid JSON");

		await save();
		rmSync(modelPath);
		e = await load();
		expect(e.message).toContain("missing");
		m.dispose();
	});
});
