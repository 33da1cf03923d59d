import { beforeAll, describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs-core";
import { Effect } from "effect";
import { withTimeLimit } from "../../src/env/time-limit.ts";
import {
	collectDemonstrations,
	collectRollouts,
	encodeDemonstrations,
	sftLoss,
	TransformerPolicy,
} from "../../src/policy/index.ts";
import { stepwisePromptCodec } from "../../src/policy/prompt-codec.ts";
import { corridor, corridorEnvs, corridorSpecV0, corridorTokenizer, tasks, useBackend } from "./helpers.ts";

beforeAll(useBackend);

describe("no tensor leaks", () => {
	test("tf.memory().numTensors is flat across 100 training steps and 100 rollout batches", () => {
		const tokenizer = corridorTokenizer();
		const model = TransformerPolicy.init(
			{ vocabSize: tokenizer.vocabSize, contextLength: 48, dModel: 32, nLayers: 1, nHeads: 2, dFF: 64 },
			0,
		);
		const env = corridorEnvs(1)[0];
		if (env === undefined) throw new Error("no env");
		const examples = encodeDemonstrations(tokenizer, collectDemonstrations(env, tasks("train", 2)).demos, 48);
		const opt = tf.train.adam(1e-3);
		const step = () => {
			const l = opt.minimize(() => sftLoss(model, examples), true, model.variables());
			l?.dispose();
		};
		step(); // Adam creates its moments once
		const afterFirst = tf.memory().numTensors;
		for (let i = 0; i < 100; i++) step();
		expect(tf.memory().numTensors).toBe(afterFirst);
		const envs = Array.from({ length: 4 }, () => withTimeLimit(Effect.runSync(corridor.make(corridorSpecV0)), 2));
		const policy = { model, codec: stepwisePromptCodec(tokenizer) };
		const before = tf.memory().numTensors;
		for (let i = 0; i < 100; i++)
			collectRollouts(policy, envs, {
				tasks: tasks("train", 2, i),
				groupSize: 2,
				maxNewTokens: 3,
				seed: i,
				useCache: i % 2 === 0,
			});
		expect(tf.memory().numTensors).toBe(before);
		opt.dispose();
		model.dispose();
	}, 30_000);
});
