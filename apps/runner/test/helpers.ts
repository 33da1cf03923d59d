import type { Trajectory, TrajectoryStep } from "@stepwise/core";

/** A compact trajectory: its steps as [stateKey, env reward], how it ended and the state after its last step. */
export interface TrajSpec {
	readonly id: string;
	readonly steps: ReadonlyArray<readonly [string, number]>;
	readonly end: "terminated" | "truncated";
	readonly final: string;
}

/** A schema-complete trajectory from a compact spec (next state = next step's state). */
export const makeTrajectory = (groupId: string, spec: TrajSpec): Trajectory => {
	const n = spec.steps.length;
	const steps: TrajectoryStep[] = spec.steps.map(([key, reward], t) => {
		const last = t === n - 1;
		return {
			t,
			promptIds: [1, 2, 3],
			actionIds: [10, 11],
			logProbs: [-0.5, -0.5],
			response: `a${t}`,
			action: `a${t}`,
			valid: true,
			reward,
			stateKey: key,
			nextStateKey: last ? spec.final : (spec.steps[t + 1]?.[0] ?? ""),
			terminated: last && spec.end === "terminated",
			truncated: last && spec.end === "truncated",
			won: last && spec.end === "terminated" && reward > 0,
			score: reward,
		};
	});
	return {
		id: spec.id,
		groupId,
		env: "test/fixture-v0",
		taskId: groupId,
		seed: 0,
		split: "train",
		index: 0,
		steps,
		won: steps.some((s) => s.won),
		score: steps.at(-1)?.score ?? 0,
	};
};

/** docs/credit/rewardflow.md: one group; A wins at t = 2 (terminal G), B is truncated, C is stuck in s5. */
export const rewardFlowExample = (): Trajectory[] =>
	(
		[
			{
				id: "A",
				steps: [
					["s0", 0],
					["s1", 0],
					["s2", 10],
				],
				end: "terminated",
				final: "G",
			},
			{
				id: "B",
				steps: [
					["s0", 0],
					["s3", 0],
					["s1", 0],
					["s4", 0],
				],
				end: "truncated",
				final: "s9",
			},
			{
				id: "C",
				steps: [
					["s0", 0],
					["s5", 0],
					["s5", 0],
					["s5", 0],
				],
				end: "truncated",
				final: "s5",
			},
		] satisfies TrajSpec[]
	).map((s) => makeTrajectory("g", s));
