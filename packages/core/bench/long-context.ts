/**
 * Memory and time of SFT steps and generation at long contexts (docs/performance.md):
 *   nice -n 10 bun packages/core/bench/long-context.ts <backend> <contextLength> [steps=3] [batch=16] [micro=16]
 * Trains the default policy shape (d 64, 2 layers, 4 heads) on random full-length examples (answer =
 * the last 8 tokens) and generates 4 tokens for 16 prompts of contextLength − 4 tokens; prints
 * seconds per step, the peak RSS and the backend's reported bytes.
 */
import { initBackend } from "../src/backend/index.ts";
import { attentionRows, generate, type SftExample, SftRun, TransformerPolicy } from "../src/policy/index.ts";
import { Rng } from "../src/util/rng.ts";

const [backend = "wasm", ctxText = "256", stepsText = "3", batchText = "16", microText = "16"] = process.argv.slice(2);
const T = Number(ctxText);
const steps = Number(stepsText);
const batch = Number(batchText);
await initBackend(backend);
const tf = await import("@tensorflow/tfjs-core");
const V = 512;
const model = TransformerPolicy.init(
	{ vocabSize: V, contextLength: T, dModel: 64, nLayers: 2, nHeads: 4, dFF: 256 },
	0,
);
const rng = new Rng(1);
const examples: SftExample[] = Array.from({ length: batch * 2 }, () => ({
	ids: Array.from({ length: T }, () => 8 + rng.int(V - 8)),
	answerStart: T - 8,
}));
let peak = 0;
const sample = () => {
	peak = Math.max(peak, process.memoryUsage().rss);
};
const timer = setInterval(sample, 50);
const sft = new SftRun(model, examples, examples.slice(0, 2), {
	batchSize: batch,
	microBatchSize: Number(microText),
	maxSteps: steps + 1,
	evalEvery: 1000,
	seed: 0,
});
const t0 = performance.now();
sft.step();
const first = (performance.now() - t0) / 1000;
const t1 = performance.now();
for (let i = 0; i < steps; i++) sft.step();
const perStep = (performance.now() - t1) / 1000 / steps;
sample();
const trainPeak = peak;
const prompts = Array.from({ length: 16 }, () => Array.from({ length: T - 4 }, () => 8 + rng.int(V - 8)));
const t2 = performance.now();
// in calls of as many rows as the attention budget holds, as the collector's localAnswers does
const per = attentionRows(model.config, prompts.length, T);
const gens = [];
for (let i = 0; i < prompts.length; i += per)
	gens.push(
		...generate(model, prompts.slice(i, i + per), { maxNewTokens: 4, stopToken: 6, padToken: 0, greedy: true }),
	);
const genS = (performance.now() - t2) / 1000;
sample();
clearInterval(timer);
console.log(
	JSON.stringify({
		backend: tf.getBackend(),
		contextLength: T,
		batch,
		micro: attentionRows(model.config, Number(microText), T),
		firstStepS: +first.toFixed(2),
		sPerStep: +perStep.toFixed(2),
		trainPeakRssMiB: Math.round(trainPeak / 2 ** 20),
		generate16x4S: +genS.toFixed(2),
		generated: gens.every((g) => g.tokens.length === 4),
		peakRssMiB: Math.round(peak / 2 ** 20),
		tfBytesMiB: Math.round(tf.memory().numBytes / 2 ** 20),
	}),
);
