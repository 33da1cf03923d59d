/**
 * Can a validation split pick an RL checkpoint? For a runner run directory on Sokoban 6×6 / 1 box,
 * greedy success of its SFT policy (`<run>/sft`, when present) and of every `checkpoints/step_N` on
 * validation tasks (train-split levels at index 2,000,000 and up, which no stage trains on) and on
 * the test split (3 seeds × 100 tasks, as `stepwise eval`). Prints one line per checkpoint.
 *
 *   bun run apps/bench/src/checkpoint-curve.ts <run dir> [--val 400] [--test 100] [--backend wasm]
 *
 * Measured (2026-11-21) on the default pipeline's run (seed 0; SFT 0.807 on test), 400 validation
 * tasks / 300 test tasks:
 *
 *   | iteration  | SFT   | 10    | 20    | 30    | 40    | 50    | 60    | 70    | 80    | 90    | 100   | 110   | 120   | 130   | 140   | 150   |
 *   | ---------- | ----- | ----- | ----- | ----- | ----- | ----- | ----- | ----- | ----- | ----- | ----- | ----- | ----- | ----- | ----- | ----- |
 *   | validation | 0.843 | 0.833 | 0.797 | 0.785 | 0.795 | 0.843 | 0.835 | 0.805 | 0.845 | 0.835 | 0.845 | 0.833 | 0.838 | 0.815 | 0.818 | 0.833 |
 *   | test       | 0.807 | 0.803 | 0.803 | 0.787 | 0.817 | 0.817 | 0.817 | 0.800 | 0.810 | 0.827 | 0.827 | 0.790 | 0.793 | 0.780 | 0.773 | 0.797 |
 *
 * No checkpoint beats the SFT policy on validation by more than 0.002, so checkpoint selection has
 * nothing to select: the best validation checkpoint (iteration 80) scores 0.810 on test.
 *
 * Hotter rollouts, same SFT policy and 150 iterations (`rollout.temperature=…`), validation / test:
 * - 1.5: 0.800–0.858 / 0.787–0.833 over the 15 checkpoints; iteration 150: 0.858 / 0.830.
 * - 2: 0.815–0.858 / 0.753–0.833; iteration 150: 0.843 / 0.810 (the training stream's success falls
 *   to 0.66–0.77, episodes lengthen to 8–9 steps and iterations take about twice as long).
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { ResetRequest } from "@stepwise/core";
import { initBackend } from "@stepwise/core/backend/index";
import { collectRollouts, loadCheckpoint, makeEnvs } from "@stepwise/core/policy/index";
import { sokoban6x6Spec, sokobanPlugin } from "@stepwise/env-sokoban";
import { Effect } from "effect";

const { values: a, positionals } = parseArgs({
	allowPositionals: true,
	options: {
		val: { type: "string", default: "400" },
		test: { type: "string", default: "100" },
		backend: { type: "string", default: "wasm" },
	},
});
const run = positionals[0];
if (run === undefined) throw new Error("usage: checkpoint-curve.ts <run dir> [--val N] [--test N]");
await initBackend(a.backend as string);
const spec = sokoban6x6Spec;
const envs = Effect.runSync(makeEnvs(sokobanPlugin, spec, 64));
const validation: ResetRequest[] = Array.from({ length: Number(a.val) }, (_, i) => ({
	seed: 0,
	split: "train",
	index: 2_000_000 + i,
}));
const test: ResetRequest[] = [0, 1, 2].flatMap((seed) =>
	Array.from({ length: Number(a.test) }, (_, i) => ({ seed, split: "test", index: i })),
);
const steps = existsSync(join(run, "checkpoints"))
	? readdirSync(join(run, "checkpoints"))
			.filter((d) => /^step_\d+$/.test(d))
			.sort((x, y) => Number(x.slice(5)) - Number(y.slice(5)))
	: [];
const dirs = [
	...(existsSync(join(run, "sft")) ? [join(run, "sft")] : []),
	...steps.map((s) => join(run, "checkpoints", s)),
];
if (dirs.length === 0) throw new Error(`${run}: no sft/ and no checkpoints/step_N`);
console.log("policy\tvalidation\ttest");
for (const dir of dirs) {
	const ck = await Effect.runPromise(loadCheckpoint(dir));
	const policy = { model: ck.model, codec: ck.codec };
	const success = (tasks: ReadonlyArray<ResetRequest>) =>
		collectRollouts(policy, envs, { tasks, greedy: true, maxNewTokens: 4 }).filter((t) => t.won).length / tasks.length;
	console.log(`${dir.split("/").at(-1)}\t${success(validation).toFixed(3)}\t${success(test).toFixed(3)}`);
	ck.model.dispose();
	ck.optimizer?.dispose();
}
