/**
 * How much does a rollout worker save? Sokoban 6×6 / 1 box, a policy checkpoint, RL-sized batches
 * (8 tasks × 8 samples, temperature 1) and greedy evaluation batches (100 tasks): the time of
 * `collectRollouts` in the main thread against `RolloutPool.collect` with one worker, on the same
 * batches (the trajectories are checked to be identical).
 *
 *   bun run packages/core/bench/rollout-pool.ts [--policy runs/sft-sokoban] [--batches 10] [--backend wasm]
 *
 * Measured (2026-11-21, idle 2-core machine, the runner's default SFT policy, 10 batches each):
 * - RL batch (8 tasks × 8 samples): 1,040 ms in the main thread, 807 ms with one worker (×1.29);
 * - greedy eval (100 tasks): 1,605 ms, 967 ms (×1.66).
 * Episodes run in lock-step, so the longest episode of each share sets its time: an RL batch's two
 * shares of 4 groups often differ in length, and the gain stays well below ×2.
 */
import { parseArgs } from "node:util";
import { Effect } from "effect";
import { sokoban6x6Spec, sokobanPlugin } from "../../../plugins/env-sokoban/src/index.ts";
import { initBackend } from "../src/backend/index.ts";
import type { ResetRequest } from "../src/env/types.ts";
import { type CollectOptions, collectRollouts, loadCheckpoint, makeEnvs, RolloutPool } from "../src/policy/index.ts";

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
const policy = { model: ck.model, tokenizer: ck.tokenizer };
const pool = await RolloutPool.start(
	{
		backend: a.backend as string,
		envModule: new URL("../../../apps/runner/src/plugins.ts", import.meta.url).href,
		envExport: "EnvironmentsLive",
		specId: spec.id,
		envOptions: {},
		envs: 64,
		modelConfig: ck.config,
		tokenizer: ck.tokenizer.toJSON(),
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
await pool.close();
ck.model.dispose();
ck.optimizer?.dispose();
