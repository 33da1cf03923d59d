/**
 * Rollout collector throughput on the corridor test env: env steps/s and generated tokens/s for
 * lock-step groups (16 envs, sampling, KV cache), with a 0.5M model.
 */
import { Effect } from "effect";
import { initBackend } from "../src/backend/index.ts";
import { buildTokenizer, collectRollouts, makeEnvs, TransformerPolicy } from "../src/policy/index.ts";
import { stepwisePromptCodec } from "../src/policy/prompt-codec.ts";
import { corridorPlugin } from "../test/fixtures/corridor.ts";

/** Print and return env steps/s of the collector. */
export const runCollectorBench = async (): Promise<{ stepsPerS: number; tokensPerS: number }> => {
	await initBackend("wasm");
	const plugin = corridorPlugin();
	const spec = plugin.specs[0];
	if (spec === undefined) throw new Error("no corridor spec");
	const tokenizer = buildTokenizer(["at 0, goal 5>", "left right wait"]);
	const model = TransformerPolicy.init(
		{ vocabSize: tokenizer.vocabSize, contextLength: 64, dModel: 128, nLayers: 2, nHeads: 4, dFF: 512 },
		0,
	);
	const envs = Effect.runSync(makeEnvs(plugin, spec, 16));
	const tasks = Array.from({ length: 4 }, (_, i) => ({ seed: 0, split: "train", index: i }));
	const t0 = performance.now();
	const trajs = collectRollouts({ model, codec: stepwisePromptCodec(tokenizer) }, envs, {
		tasks,
		groupSize: 4,
		maxNewTokens: 4,
		seed: 1,
	});
	const s = (performance.now() - t0) / 1000;
	const steps = trajs.reduce((n, t) => n + t.steps.length, 0);
	const tokens = trajs.reduce((n, t) => n + t.steps.reduce((m, x) => m + x.actionIds.length, 0), 0);
	console.log(
		`collector (corridor, 4 tasks × 4 rollouts lock-step, 0.5M model, ≤4 tokens/answer): ${steps} env steps in ${s.toFixed(1)} s = ${(steps / s).toFixed(1)} steps/s, ${(tokens / s).toFixed(0)} generated tok/s`,
	);
	model.dispose();
	return { stepsPerS: steps / s, tokensPerS: tokens / s };
};

if (import.meta.main) await runCollectorBench();
