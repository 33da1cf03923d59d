import { afterAll, describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../src/backend/index.ts";
import { probeTfjsNode } from "../src/backend/tfjs-node.ts";
import type { SftExample } from "../src/policy/demos.ts";
import { generate } from "../src/policy/generate.ts";
import { TransformerPolicy } from "../src/policy/model.ts";
import { sftLoss } from "../src/policy/sft.ts";
import { Rng } from "../src/util/rng.ts";

/**
 * The native backend (`npm run setup:native`) against wasm: the same model, the same SFT steps and
 * the same greedy decoding on both. Runs only where the addon is built (CI builds it where it can);
 * elsewhere it says so and checks nothing.
 */
const native = probeTfjsNode("@tensorflow/tfjs-node").status === "present";
if (!native)
	console.error("backend-native: @tensorflow/tfjs-node has no built addon here (run `npm run setup:native`); skipped");

const config = { vocabSize: 40, contextLength: 48, dModel: 32, nLayers: 2, nHeads: 4, dFF: 64 };
const rng = new Rng(7);
const examples: SftExample[] = Array.from({ length: 12 }, () => {
	const prompt = Array.from({ length: 20 + rng.int(20) }, () => 3 + rng.int(37));
	const answer = Array.from({ length: 1 + rng.int(4) }, () => 3 + rng.int(37));
	return { ids: [...prompt, ...answer], answerStart: prompt.length };
});
const prompts = examples.slice(0, 6).map((e) => e.ids.slice(0, e.answerStart));

/** Five Adam steps of SFT from the seed-0 model, then greedy answers to six prompts, on `backend`. */
const run = async (backend: string) => {
	await initBackend(backend);
	const model = TransformerPolicy.init(config, 0);
	const optimizer = tf.train.adam(3e-3);
	const losses: number[] = [];
	for (let step = 0; step < 5; step++) {
		const batch = examples.slice((step * 4) % 12, ((step * 4) % 12) + 4);
		const loss = optimizer.minimize(() => sftLoss(model, batch), true, model.variables());
		losses.push(loss?.dataSync()[0] ?? Number.NaN);
		loss?.dispose();
	}
	const greedy = generate(model, prompts, { maxNewTokens: 8, stopToken: 1, padToken: 0, greedy: true }).map(
		(g) => g.tokens,
	);
	// the second forward pass: the first one caches the model's causal mask for this length
	const forward = () =>
		tf.tidy(() => model.logits(model.forward(tf.tensor2d([[3, 4, 5]], [1, 3], "int32")).hidden)).dispose();
	forward();
	const before = tf.memory().numTensors;
	forward();
	const leaked = tf.memory().numTensors - before;
	model.dispose();
	optimizer.dispose();
	return { losses, greedy, leaked };
};

describe.if(native)("native backend (tfjs-node built by setup:native)", () => {
	afterAll(() => initBackend("wasm"));

	test("matches wasm: SFT losses over 5 Adam steps within 1e-5, the same greedy tokens, no leaked tensors", async () => {
		const wasm = await run("wasm");
		const tensorflow = await run("tensorflow");
		expect(tf.getBackend()).toBe("tensorflow");
		tensorflow.losses.forEach((l, i) => {
			expect(Math.abs(l - (wasm.losses[i] as number))).toBeLessThan(1e-5);
		});
		expect(tensorflow.losses[4]).toBeLessThan(tensorflow.losses[0] as number);
		expect(tensorflow.greedy).toEqual(wasm.greedy);
		expect(tensorflow.leaked).toBe(0);
	}, 60_000);
});
