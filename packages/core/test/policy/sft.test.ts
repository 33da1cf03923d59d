import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { Effect, Schema } from "effect";
import {
	collectDemonstrations,
	collectRollouts,
	encodeAnswer,
	encodeDemonstrationSet,
	encodeDemonstrations,
	encodePrompt,
	evaluateSftLoss,
	loadCheckpoint,
	type SftExample,
	SftRun,
	SftRunState,
	saveCheckpoint,
	scoreSequences,
	sftLoss,
	successRate,
	TransformerPolicy,
	trainSft,
} from "../../src/policy/index.ts";
import { stepwisePromptCodec } from "../../src/policy/prompt-codec.ts";
import { corridorEnvs, corridorTokenizer, tasks, useBackend } from "./helpers.ts";

beforeAll(useBackend);

const tokenizer = corridorTokenizer();
const cfg = { vocabSize: tokenizer.vocabSize, contextLength: 48, dModel: 32, nLayers: 1, nHeads: 2, dFF: 64 };

/** Encoded expert demonstrations of `n` corridor tasks of a split (indices from `offset`). */
const corridorExamples = (split: string, n: number, offset = 0): SftExample[] => {
	const env = corridorEnvs(1)[0];
	if (env === undefined) throw new Error("no env");
	return encodeDemonstrations(tokenizer, collectDemonstrations(env, tasks(split, n, offset)).demos, cfg.contextLength);
};

describe("SFT", () => {
	test("demonstrations follow the expert and win every task", () => {
		const env = corridorEnvs(1)[0];
		if (env === undefined) throw new Error("no env");
		const set = collectDemonstrations(env, tasks("train", 10));
		expect(set.won).toBe(10);
		expect(set.demos.every((d) => d.target === d.action && ["left", "right"].includes(d.action))).toBe(true);
		const chat = collectDemonstrations(env, tasks("train", 2), { style: "chat" });
		expect(chat.demos[0]?.target).toBe("Thought: go.\nAction: right");
		expect(chat.demos[0]?.prompt.style).toBe("chat");
	});

	test("demonstration noise: random admissible steps are not trained on; the same seed gives the same demos in any chunking", () => {
		const env = corridorEnvs(1)[0];
		if (env === undefined) throw new Error("no env");
		const clean = collectDemonstrations(env, tasks("train", 20));
		expect(collectDemonstrations(env, tasks("train", 20), { noise: 0 })).toEqual(clean);
		const noisy = collectDemonstrations(env, tasks("train", 20), { noise: 0.3, noiseSeed: 7 });
		expect(noisy.perturbed).toBeGreaterThan(0);
		// every target is the expert's answer from its state: the corridor's expert always goes right
		expect(noisy.demos.every((d) => d.target === "right")).toBe(true);
		// perturbed steps that went left cost a step back: the episodes get longer
		expect(noisy.demos.length + noisy.perturbed).toBeGreaterThan(clean.demos.length);
		const halves = [
			...collectDemonstrations(env, tasks("train", 20).slice(0, 9), { noise: 0.3, noiseSeed: 7 }).demos,
			...collectDemonstrations(env, tasks("train", 20).slice(9), { noise: 0.3, noiseSeed: 7 }).demos,
		];
		expect(halves).toEqual(noisy.demos);
		expect(collectDemonstrations(env, tasks("train", 20), { noise: 0.3, noiseSeed: 8 }).demos).not.toEqual(noisy.demos);
	});

	test("encoding counts the demonstrations it drops (answer too long) and those whose prompt it cuts", () => {
		const env = corridorEnvs(1)[0];
		if (env === undefined) throw new Error("no env");
		const { demos } = collectDemonstrations(env, tasks("train", 3), { style: "chat" });
		const answers = demos.map((d) => encodeAnswer(tokenizer, d.target).length);
		const prompts = demos.map((d) => encodePrompt(tokenizer, d.prompt).length);
		// an answer must leave a token for the prompt: answers as long as the context are dropped
		const shortest = Math.min(...answers);
		const fit = (context: number) => ({
			dropped: answers.filter((a) => a >= context).length,
			truncated: answers.filter((a, i) => a < context && a + (prompts[i] as number) > context).length,
		});
		for (const context of [shortest, shortest + 1, shortest + 5]) {
			const set = encodeDemonstrationSet(tokenizer, demos, context);
			expect({ dropped: set.dropped, truncated: set.truncated }).toEqual(fit(context));
			expect(set.examples).toHaveLength(demos.length - set.dropped);
			expect(set.examples.every((e) => e.ids.length <= context)).toBe(true);
		}
		expect(encodeDemonstrationSet(tokenizer, demos, shortest).dropped).toBeGreaterThan(0);
		expect(encodeDemonstrationSet(tokenizer, demos, shortest + 1).truncated).toBeGreaterThan(0);
		const roomy = encodeDemonstrationSet(tokenizer, demos, 4096);
		expect([roomy.dropped, roomy.truncated, roomy.examples.length]).toEqual([0, 0, demos.length]);
	});

	test("the loss covers the answer tokens only", () => {
		const examples = corridorExamples("train", 3);
		const m = TransformerPolicy.init(cfg, 0);
		const scores = scoreSequences(
			m,
			examples.map((e) => e.ids),
		);
		let sum = 0;
		let n = 0;
		examples.forEach((e, i) => {
			for (let t = e.answerStart; t < e.ids.length; t++) {
				sum -= scores[i]?.logProbs[t - 1] as number;
				n++;
			}
		});
		const loss = tf.tidy(() => sftLoss(m, examples));
		expect(loss.dataSync()[0]).toBeCloseTo(sum / n, 4);
		expect(evaluateSftLoss(m, examples, 4)).toBeCloseTo(sum / n, 4);
		loss.dispose();
		m.dispose();
	});

	test("SFT on expert demonstrations learns the corridor: greedy success on held-out test tasks", () => {
		const train = corridorExamples("train", 60);
		const val = corridorExamples("train", 10, 1000);
		const m = TransformerPolicy.init(cfg, 0);
		const policy = { model: m, codec: stepwisePromptCodec(tokenizer) };
		const before = successRate(
			collectRollouts(policy, corridorEnvs(16), { tasks: tasks("test", 16), greedy: true, maxNewTokens: 4 }),
		);
		const points: number[] = [];
		const result = trainSft(m, train, val, {
			maxSteps: 60,
			evalEvery: 15,
			batchSize: 16,
			learningRate: 3e-3,
			onEval: (p) => points.push(p.valLoss),
		});
		expect(result.curve.length).toBe(4);
		expect(result.curve[3]?.valLoss).toBeLessThan((result.curve[0]?.valLoss as number) * 0.5);
		expect(result.bestValLoss).toBe(Math.min(...points));
		const after = successRate(
			collectRollouts(policy, corridorEnvs(16), { tasks: tasks("test", 16), greedy: true, maxNewTokens: 4 }),
		);
		expect(before).toBeLessThan(0.5);
		expect(after).toBe(1);
		result.optimizer.dispose();
		m.dispose();
	}, 30_000);

	test("early stopping stops after `patience` validations without improvement and restores the best weights", async () => {
		const train = corridorExamples("train", 4);
		const m = TransformerPolicy.init(cfg, 1);
		// validating on the training examples' prompts with wrong answers: the loss rises as training fits the right ones
		const wrong = train.map((e) => ({
			ids: [...e.ids.slice(0, e.answerStart), ...tokenizer.encode("wait"), tokenizer.actEnd],
			answerStart: e.answerStart,
		}));
		const result = trainSft(m, train, wrong, {
			maxSteps: 200,
			evalEvery: 5,
			patience: 2,
			learningRate: 1e-2,
			warmupSteps: 1,
		});
		expect(result.stoppedBy).toBe("early-stop");
		expect(result.steps).toBe(result.bestStep + 10);
		expect(evaluateSftLoss(m, wrong)).toBeCloseTo(result.bestValLoss, 4);
		result.optimizer.dispose();
		m.dispose();
	});

	test("a run resumed from its snapshot (weights, Adam state and JSON state through a checkpoint) ends as the uninterrupted run", async () => {
		const train = corridorExamples("train", 12);
		const val = corridorExamples("test", 3);
		const options = { maxSteps: 24, evalEvery: 5, batchSize: 7, seed: 3, schedule: "cosine" as const, warmupSteps: 4 };
		const straightModel = TransformerPolicy.init(cfg, 5);
		const straight = trainSft(straightModel, train, val, options);
		const expected = await straightModel.readValues();

		const model = TransformerPolicy.init(cfg, 5);
		const first = new SftRun(model, train, val, options);
		for (let i = 0; i < 13; i++) first.step(); // past the validations at 5 and 10, mid-way between two
		const snap = first.snapshot();
		const dir = mkdtempSync(join(tmpdir(), "stepwise-sft-resume-"));
		try {
			const json = JSON.parse(JSON.stringify(snap.state)) as unknown;
			await Effect.runPromise(
				saveCheckpoint(dir, { model, codec: stepwisePromptCodec(tokenizer), optimizer: first.optimizer, state: {} }),
			);
			first.dispose();
			first.optimizer.dispose();
			model.dispose();
			const loaded = await Effect.runPromise(loadCheckpoint(dir));
			const state = Schema.decodeUnknownSync(SftRunState)(json);
			const resumed = SftRun.resume(
				loaded.model,
				train,
				val,
				{ ...options, ...(loaded.optimizer !== undefined ? { optimizer: loaded.optimizer } : {}) },
				{ state, bestWeights: snap.bestWeights },
			);
			while (!resumed.done) resumed.step();
			const result = resumed.finish();
			expect(result.steps).toBe(straight.steps);
			expect(result.bestStep).toBe(straight.bestStep);
			expect(result.curve).toEqual(
				straight.curve.map((p, i) => ({
					...p,
					trainMs: result.curve[i]?.trainMs ?? 0,
					trainCpuMs: result.curve[i]?.trainCpuMs ?? 0,
				})),
			);
			const got = await loaded.model.readValues();
			for (const [name, v] of expected) expect(got.get(name)).toEqual(v);
			expect(() =>
				SftRun.resume(loaded.model, train.slice(0, 2), val, options, { state, bestWeights: snap.bestWeights }),
			).toThrow(/batch order/);
			result.optimizer.dispose();
			loaded.model.dispose();
		} finally {
			rmSync(dir, { recursive: true, force: true });
			straight.optimizer.dispose();
			straightModel.dispose();
		}
	}, 30_000);
});
