import { Schema } from "effect";

const Int = Schema.Int;
const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0));
const Finite = Schema.Finite;

/**
 * One environment step of a rollout: what the policy saw and emitted, what the env answered, and
 * the canonical state the action was taken from. Every credit method and trainer reads these.
 */
export const TrajectoryStep = Schema.Struct({
	/** 0-based step index inside the episode. */
	t: NonNegativeInt,
	/** The prompt text the policy was given (omitted in compact dumps). */
	prompt: Schema.optionalKey(Schema.String),
	/** Prompt token ids (the policy's tokenizer). */
	promptIds: Schema.Array(Int),
	/** Generated (action span) token ids. */
	actionIds: Schema.Array(Int),
	/** Log-probability of each generated token under the rollout policy. */
	logProbs: Schema.Array(Finite),
	/** The model's raw answer text. */
	response: Schema.String,
	/** The env action after projection ("" when the harness did not call the env). */
	action: Schema.String,
	/** The answer was a well-formed, executable action (grounding). */
	valid: Schema.Boolean,
	/** The env's reward for this step (after the spec's reward scale). */
	reward: Finite,
	/** `stateKey()` of the state the action was taken from (GiGPO anchor, RewardFlow node). */
	stateKey: Schema.String,
	/** `stateKey()` after the step (RewardFlow edges). */
	nextStateKey: Schema.String,
	terminated: Schema.Boolean,
	truncated: Schema.Boolean,
	/** The task was accomplished by this step. */
	won: Schema.Boolean,
	/** The env's score after this step. */
	score: Finite,
	/** SPA progress estimate written by `progress annotate` (per-step contribution). */
	progress: Schema.optionalKey(Finite),
});
export type TrajectoryStep = typeof TrajectoryStep.Type;

/** One episode (one line of a trajectories JSONL file). */
export const Trajectory = Schema.Struct({
	/** Unique id of this rollout (verl-agent's `traj_uid`). */
	id: Schema.String,
	/** Id shared by the N rollouts of the same task (verl-agent's `uid`). */
	groupId: Schema.String,
	/** Env spec id, e.g. `sokoban/6x6-1box-v0`. */
	env: Schema.String,
	/** Task id from the env (`TaskInfo.id`). */
	taskId: Schema.String,
	/** Task type, where the env has types. */
	taskType: Schema.optionalKey(Schema.String),
	/** The reset request that produced the task. */
	seed: Int,
	split: Schema.String,
	index: NonNegativeInt,
	steps: Schema.Array(TrajectoryStep),
	/** The episode succeeded. */
	won: Schema.Boolean,
	/** Final env score. */
	score: Finite,
	/** Free-form tags (policy checkpoint, iteration …). */
	meta: Schema.optionalKey(Schema.Record(Schema.String, Schema.Union([Schema.String, Finite, Schema.Boolean]))),
});
export type Trajectory = typeof Trajectory.Type;

/** N rollouts of one task (same `groupId`): the unit of group-relative credit. */
export const TrajectoryGroup = Schema.Struct({
	groupId: Schema.String,
	trajectories: Schema.Array(Trajectory),
});
export type TrajectoryGroup = typeof TrajectoryGroup.Type;

/** The groups of one training iteration. */
export const TrajectoryBatch = Schema.Struct({
	groups: Schema.Array(TrajectoryGroup),
});
export type TrajectoryBatch = typeof TrajectoryBatch.Type;

/**
 * A step left the env's state unchanged (a no-op: a Sokoban move into a wall, ALFWorld's "Nothing
 * happens."): the same non-empty state key before and after. An env without state keys ("") has none.
 */
export const unchangedState = (stateKey: string, nextStateKey: string): boolean =>
	stateKey !== "" && stateKey === nextStateKey;

/** Episode return: the sum of step rewards. */
export const episodeReturn = (t: Trajectory): number => t.steps.reduce((s, x) => s + x.reward, 0);

/** Group trajectories by `groupId`, keeping first-seen order of groups and of members. */
export const groupTrajectories = (trajectories: ReadonlyArray<Trajectory>): TrajectoryBatch => {
	const groups = new Map<string, Trajectory[]>();
	for (const t of trajectories) {
		const g = groups.get(t.groupId);
		if (g === undefined) groups.set(t.groupId, [t]);
		else g.push(t);
	}
	return { groups: [...groups].map(([groupId, members]) => ({ groupId, trajectories: members })) };
};
