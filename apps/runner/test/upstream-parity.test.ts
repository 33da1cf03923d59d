import { describe, expect, test } from "bun:test";
import type { Trajectory, TrajectoryBatch } from "@stepwise/core";
import { type CreditEnv, NO_OP_ALFWORLD, rewardFlowDefaults, rewardflow, toStepRows } from "@stepwise/rewards";
import { Result } from "effect";
import { defaultConfig } from "../src/config/schema.ts";
import { creditOf, makeCreditFn } from "../src/stages/credit-fn.ts";
import { makeTrajectory } from "./helpers.ts";

const sokoban: CreditEnv = { id: "sokoban/6x6-1box-v0", maxSteps: 15, invalidPenalty: 0.1 };
const search: CreditEnv = { id: "search/verl-v0", maxSteps: 4, invalidPenalty: 0.01 };
const alfworld: CreditEnv = { id: "alfworld/verl-v0", maxSteps: 50, invalidPenalty: 0.1 };

/** The trajectory with its first action invalid. */
const invalidFirst = (t: Trajectory): Trajectory => ({
	...t,
	steps: t.steps.map((s, i) => (i === 0 ? { ...s, valid: false } : s)),
});

/** A group whose first episode is won on exactly the step limit (s0 → … → goal in `limit` steps), beside a failure with an invalid step. */
const wonAtLimit = (limit: number): TrajectoryBatch => {
	const path = Array.from({ length: limit }, (_, t) => [`s${t}`, t === limit - 1 ? 10 : 0] as const);
	return {
		groups: [
			{
				groupId: "g",
				trajectories: [
					makeTrajectory("g", { id: "win", steps: path, end: "terminated", final: "goal" }),
					invalidFirst(
						makeTrajectory("g", {
							id: "lose",
							steps: [
								["s0", 0],
								["s0", 0],
								["s1", 0],
							],
							end: "truncated",
							final: "s9",
						}),
					),
				],
			},
		],
	};
};

const run = (name: string, batch: TrajectoryBatch, env?: CreditEnv, mix = "") => {
	const fn = makeCreditFn({ ...defaultConfig.method, name, mix }, env);
	if (Result.isFailure(fn)) throw new Error(fn.failure.message);
	const credit = fn.success(batch, { iteration: 1 });
	return {
		advantages: Array.from(credit.advantages as ArrayLike<number>),
		stepRewards: Array.from(credit.stepRewards as ArrayLike<number>),
	};
};

describe("training runs each method under its upstream settings for the env spec", () => {
	test("rewardflow: an episode won on exactly the step limit keeps its raw env reward on the last step, as the upstream buffer (which has no row after it)", () => {
		const batch = wonAtLimit(15);
		const rows = toStepRows(batch);
		const last = 14;
		const parity = run("rewardflow", batch, sokoban).stepRewards;
		const bare = run("rewardflow", batch).stepRewards;
		// the reference computation: the released code's buffer, maxSteps = the loop's limit
		const reference = rewardflow(rows, { ...rewardFlowDefaults, maxSteps: 15 }).stepRewards as Float64Array;
		expect(parity[last]).toBe(10);
		expect(parity).toEqual(Array.from(reference));
		// without the env's limit the last step gets V(goal) − V(s14) = 10 − 0.9·10 = 1: the difference shows
		expect(bare[last]).toBeCloseTo(1, 12);
	});

	test("rewardflow on Search propagates with γ 0.95 and the 0.01 penalty; on ALFWorld it contracts no-op transitions", () => {
		expect(creditOf({ ...defaultConfig.method, name: "rewardflow" }, search).config).toMatchObject({
			gamma: 0.95,
			invalidPenalty: 0.01,
			maxSteps: 4,
		});
		expect(creditOf({ ...defaultConfig.method, name: "rewardflow" }, alfworld).config).toMatchObject({
			noOp: NO_OP_ALFWORLD,
			maxSteps: 50,
		});
		const batch = wonAtLimit(3);
		const r = run("rewardflow", batch, search).stepRewards;
		// the loser's invalid first step: V(s0) − V(s0)·0 … minus the Search penalty 0.01, not 0.1
		const rows = toStepRows(batch);
		const bare = rewardflow(rows, { ...rewardFlowDefaults, gamma: 0.95, maxSteps: 4, invalidPenalty: 0 })
			.stepRewards as Float64Array;
		expect((r[3] as number) - (bare[3] as number)).toBeCloseTo(-0.01, 12);
	});

	test("grpo, rloo, gigpo and ppo charge the spec's invalid penalty (Search 0.01, not the 0.1 default)", () => {
		const batch = wonAtLimit(3);
		for (const name of ["grpo", "rloo", "gigpo"]) {
			const withEnv = run(name, batch, search).advantages;
			const bare = run(name, batch).advantages;
			expect(withEnv).not.toEqual(bare);
		}
		// ppo: verl-agent's rows carry the episode score minus p·[invalid]: −0.01 on the invalid row
		const ppo = run("ppo", batch, search).stepRewards;
		expect(ppo[3]).toBeCloseTo(-0.01, 12);
		expect(run("ppo", batch).stepRewards[3]).toBeCloseTo(-0.1, 12);
	});

	test("gigpo normalises by σ on ALFWorld and Search (the released scripts), by the mean only on Sokoban", () => {
		const c = (env: CreditEnv) => creditOf({ ...defaultConfig.method, name: "gigpo" }, env).config;
		expect(c(alfworld).mode).toBe("mean_std_norm");
		expect(c(search)).toMatchObject({ mode: "mean_std_norm", grouping: "similarity", similarityThreshold: 0.9 });
		expect(c(sokoban).mode).toBeUndefined();
	});

	test("the user's method.config wins over the upstream settings, and every term of a mix gets its own", () => {
		expect(
			creditOf({ ...defaultConfig.method, name: "rewardflow", config: { maxSteps: 0 } }, sokoban).config.maxSteps,
		).toBe(0);
		const batch = wonAtLimit(15);
		const mixed = run("mix", batch, sokoban, "1*rewardflow").advantages;
		expect(mixed).toEqual(run("rewardflow", batch, sokoban).advantages);
		expect(mixed).not.toEqual(run("rewardflow", batch).advantages);
	});

	test("the default main job (gigpo on Sokoban) gets exactly the defaults it had", () => {
		const batch = wonAtLimit(5);
		expect(run("gigpo", batch, sokoban).advantages).toEqual(run("gigpo", batch).advantages);
	});
});
