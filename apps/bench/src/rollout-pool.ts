/**
 * How much does a rollout worker save? Sokoban 6×6 / 1 box, a policy checkpoint, RL-sized batches
 * (8 tasks × 8 samples, temperature 1) and greedy evaluation batches (100 tasks): the time of
 * `collectRollouts` in the main thread against `RolloutPool.collect` with one worker, on the same
 * batches (the trajectories are checked to be identical). Then the RL update of each RL batch (the
 * runner's defaults: one mini-batch of 256 rows in micro-batches of 32, KL to a reference, outcome
 * advantages ±1) in the main thread against the same update with the worker computing a share of
 * the policy gradient (the weights after it are checked to be identical).
 *
 *   bun run apps/bench/src/rollout-pool.ts [--policy runs/sft-sokoban] [--batches 10] [--backend wasm]
 *
 * Measured (2026-11-21, idle 2-core machine, the runner's default SFT policy, 10 batches each):
 * - RL batch (8 tasks × 8 samples): 1,040 ms in the main thread, 807 ms with one worker (×1.29);
 * - greedy eval (100 tasks): 1,605 ms, 967 ms (×1.66).
 * Episodes run in lock-step, so the longest episode of each share sets its time: an RL batch's two
 * shares of 4 groups often differ in length, and the gain stays well below ×2.
 *
 * Measured (2026-11-22, idle 2-core machine, the same policy, 10 batches; absolute times varied by
 * 20–30 % between runs minutes apart on this shared VM, so compare within one run):
 * - RL batch 1,084 → 865 ms (×1.25); greedy eval 1,550 → 943 ms (×1.64);
 * - RL update (380 rows: one mini-batch of 256 rows and one of 124, merged duplicates cut them to a
 *   few dozen rows each, so 2–3 micro-batches): 1,176 → 972 ms (×1.21). Profiled, a micro-batch's
 *   backward pass took about 160 ms alone and about 250 ms while the worker ran its own, and the
 *   old- and reference-log-prob passes (about 350 ms, main thread only) are part of both times.
 */
import { parseArgs } from "node:util";
import type { ResetRequest } from "@stepwise/core";
import { groupTrajectories, type TrajectoryBatch } from "@stepwise/core";
import { initBackend } from "@stepwise/core/backend/index";
import {
	type CollectOptions,
	codecTokenizerSpec,
	collectRollouts,
	loadCheckpoint,
	makeEnvs,
	RolloutPool,
} from "@stepwise/core/policy/index";
import { type GradientHelpers, groupRelativeUpdate } from "@stepwise/core/train/index";
import { sokoban6x6Spec, sokobanPlugin } from "@stepwise/env-sokoban";
import * as tf from "@tensorflow/tfjs-core";
import { Effect } from "effect";

const { values: a } = parseArgs({
	options: {
		policy: { type: "string", default: "runs/sft-sokoban" },
		batches: { type: "string", default: "10" },
		backend: { type: "string", default: "wasm" },
	},
});
await initBackend(a.backend as string);
const spec = sokoban6x6Spec;
const envs = Effect.runSync(makeEnvs(sokobanPlugin, spec, 64));
const ck = await Effect.runPromise(loadCheckpoint(a.policy as string));
const policy = { model: ck.model, codec: ck.codec };
const pool = await RolloutPool.start(
	{
		backend: a.backend as string,
		envModule: new URL("../../runner/src/plugins.ts", import.meta.url).href,
		envExport: "EnvironmentsLive",
		specId: spec.id,
		envOptions: {},
		envs: 64,
		modelConfig: ck.config,
		tokenizer: codecTokenizerSpec(ck.codec),
	},
	1,
);
const range = (n: number, from: number, split = "train"): ResetRequest[] =>
	Array.from({ length: n }, (_, i) => ({ seed: 0, split, index: from + i }));
const kinds: ReadonlyArray<{ name: string; batch: (i: number) => CollectOptions }> = [
	{
		name: "RL batch (8 tasks × 8 samples)",
		batch: (i) => ({ tasks: range(8, 100_000 + 8 * i), groupSize: 8, maxNewTokens: 4, seed: i }),
	},
	{
		name: "greedy eval (100 tasks)",
		batch: (i) => ({ tasks: range(100, 100 * i, "test"), greedy: true, maxNewTokens: 4 }),
	},
];
for (const kind of kinds) {
	let main = 0;
	let pooled = 0;
	for (let i = 0; i < Number(a.batches); i++) {
		const options = kind.batch(i);
		let t = performance.now();
		const one = collectRollouts(policy, envs, options);
		main += performance.now() - t;
		t = performance.now();
		const two = await pool.collect(policy, envs, options);
		pooled += performance.now() - t;
		if (JSON.stringify(one) !== JSON.stringify(two)) throw new Error(`${kind.name}: the pool's trajectories differ`);
	}
	const n = Number(a.batches);
	console.log(
		`${kind.name}: main thread ${(main / n).toFixed(0)} ms, with one worker ${(pooled / n).toFixed(0)} ms per batch (×${(main / pooled).toFixed(2)})`,
	);
}

// ---- the RL update, alone and with the worker's share of the gradient ----
const update = (batch: TrajectoryBatch, helpers?: GradientHelpers) => {
	const model = ck.model.copy();
	const reference = ck.model.copy();
	const optimizer = tf.train.adam(1e-4);
	const advantages = batch.groups.flatMap((g) => g.trajectories.flatMap((t) => t.steps.map(() => (t.won ? 1 : -1))));
	const t = performance.now();
	groupRelativeUpdate(
		{ model, optimizer, reference, pad: policy.codec.padId, ...(helpers !== undefined ? { helpers } : {}) },
		batch,
		advantages,
		{ contextLength: ck.config.contextLength, maxNewTokens: 4 },
		{ miniBatchSize: 256, klCoef: 0.01, entropyCoef: 0.001 },
		1,
	);
	const ms = performance.now() - t;
	const weights = model.variables().map((v) => v.dataSync().join());
	for (const m of [model, reference]) m.dispose();
	optimizer.dispose();
	return { ms, weights };
};
let alone = 0;
let shared = 0;
let rows = 0;
for (let i = 0; i < Number(a.batches); i++) {
	const batch = groupTrajectories(collectRollouts(policy, envs, kinds[0]?.batch(i) as CollectOptions));
	rows += batch.groups.reduce((n, g) => n + g.trajectories.reduce((m, t) => m + t.steps.length, 0), 0);
	const one = update(batch);
	const two = update(batch, pool);
	alone += one.ms;
	shared += two.ms;
	if (one.weights.join() !== two.weights.join()) throw new Error("RL update: the weights differ with the worker");
}
const n = Number(a.batches);
console.log(
	`RL update (${(rows / n).toFixed(0)} rows per batch): main thread ${(alone / n).toFixed(0)} ms, with one worker ${(shared / n).toFixed(0)} ms per update (×${(alone / shared).toFixed(2)})`,
);
await pool.close();
ck.model.dispose();
ck.optimizer?.dispose();
