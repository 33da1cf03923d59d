/**
 * Why do Sokoban 6×6 policies fail? For each checkpoint, greedy and sampled rollouts on held-out test
 * tasks, with every failure classed as a **deadlock** (a push made the level unsolvable, by the A*
 * solver) or **stuck** (the level stayed solvable: the policy wandered or repeated a no-op move, such
 * as walking into a wall, until the step limit). Then, at the first no-op state of each greedy
 * failure of the FIRST checkpoint (its "loop states"), how much probability every checkpoint puts on
 * that checkpoint's loop action and in how many states its argmax moved away from it.
 *
 *   bun run apps/bench/src/sokoban-failures.ts runs/sft-nolast runs/train-sokoban/gigpo-0 [--tasks 300]
 *
 * Finding (issue 10): of the policy issue's SFT checkpoint's 107 greedy failures on 300 test tasks,
 * 64 are deadlocks (all by step 4) and 43 stuck; 103 end in a repeated no-op.
 */
import { parseArgs } from "node:util";
import type { ResetRequest, Trajectory } from "@stepwise/core";
import { initBackend } from "@stepwise/core/backend/index";
import { collectRollouts, loadCheckpoint, makeEnvs, type Policy } from "@stepwise/core/policy/index";
import { parseRendering, sokoban6x6Spec, sokobanPlugin, solve } from "@stepwise/env-sokoban";
import * as tf from "@tensorflow/tfjs-core";
import { Effect } from "effect";

const { values: a, positionals: dirs } = parseArgs({
	allowPositionals: true,
	options: { tasks: { type: "string", default: "300" }, backend: { type: "string", default: "wasm" } },
});
if (dirs.length === 0) throw new Error("usage: sokoban-failures.ts <checkpoint> [<checkpoint> …] [--tasks N]");
await initBackend(a.backend as string);
const spec = sokoban6x6Spec;
const envs = Effect.runSync(makeEnvs(sokobanPlugin, spec, 200));
const tasks: ResetRequest[] = Array.from({ length: Number(a.tasks) }, (_, i) => ({ seed: 0, split: "test", index: i }));

const solvable = new Map<string, boolean>();
const isSolvable = (key: string): boolean => {
	let s = solvable.get(key);
	if (s === undefined) {
		const level = parseRendering(key);
		if (level === undefined) throw new Error(`not a Sokoban rendering: ${JSON.stringify(key)}`);
		s = solve(level, { maxExpansions: 100_000 }) !== undefined;
		solvable.set(key, s);
	}
	return s;
};
const noOp = (s: Trajectory["steps"][number]) => s.stateKey === s.nextStateKey;

const classify = (trajs: ReadonlyArray<Trajectory>) => {
	let deadlock = 0;
	let stuck = 0;
	let loops = 0;
	const deadlockStep: number[] = [];
	for (const t of trajs) {
		if (t.won) continue;
		const last = t.steps.slice(-5);
		if (last.length === 5 && last.every(noOp)) loops++;
		const k = t.steps.findIndex((s) => !isSolvable(s.nextStateKey));
		if (k >= 0) {
			deadlock++;
			deadlockStep.push(k);
		} else stuck++;
	}
	const early = deadlockStep.filter((k) => k <= 4).length;
	return { success: trajs.filter((t) => t.won).length / trajs.length, deadlock, early, stuck, loops };
};

const loopStates: { ids: number[]; action: number }[] = [];
const policies: Policy[] = [];
for (const dir of dirs) {
	const ck = await Effect.runPromise(loadCheckpoint(dir));
	ck.optimizer?.dispose();
	const policy = { model: ck.model, codec: ck.codec };
	policies.push(policy);
	for (const greedy of [true, false]) {
		const trajs = collectRollouts(policy, envs, { tasks, greedy, maxNewTokens: 4, batchSize: 200, seed: 1 });
		const c = classify(trajs);
		console.log(
			`${dir} ${greedy ? "greedy " : "sampled"}: success ${c.success.toFixed(3)}; failures ${c.deadlock + c.stuck}: ` +
				`${c.deadlock} deadlocks (${c.early} by step 4), ${c.stuck} stuck on a solvable level; ${c.loops} end in ≥ 5 no-ops`,
		);
		if (greedy && policies.length === 1)
			for (const t of trajs) {
				const s = t.won ? undefined : t.steps.find(noOp);
				if (s !== undefined) loopStates.push({ ids: [...s.promptIds], action: s.actionIds[0] as number });
			}
	}
}

const first = policies[0] as Policy;
const moves = ["up", "down", "left", "right"].map((m) => first.codec.textIds(m)[1] as number);
console.log(`loop states of ${dirs[0]}'s greedy failures: ${loopStates.length}`);
policies.forEach((p, k) => {
	let prob = 0;
	let moved = 0;
	for (const { ids, action } of loopStates) {
		const probs = tf.tidy(() => {
			const hidden = p.model.forward(tf.tensor2d([ids], [1, ids.length], "int32")).hidden;
			const last = tf.slice(p.model.logits(hidden), [0, ids.length - 1, 0], [1, 1, -1]);
			return tf.softmax(tf.reshape(last, [-1])).dataSync() as Float32Array;
		});
		prob += probs[action] as number;
		const best = moves.reduce((b, m) => ((probs[m] as number) > (probs[b] as number) ? m : b));
		if (best !== action) moved++;
	}
	console.log(
		`  ${dirs[k]}: mean p(loop action) ${(prob / Math.max(1, loopStates.length)).toFixed(3)}; argmax moved in ${moved}`,
	);
});
