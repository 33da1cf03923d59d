import type { Trajectory, TrajectoryBatch } from "../trajectory/schema.ts";

/**
 * The step-row model of docs/credit/README.md, stored column-wise: every environment step of a batch is one
 * row (verl-agent's training sample). Rows are laid out group by group, trajectory by trajectory, in
 * step order, so one trajectory's rows (and one group's) are a contiguous range.
 *
 * Only recorded (active) steps become rows: a `Trajectory` never holds steps taken after its end.
 */
export interface StepRows {
	/** Number of rows. */
	readonly size: number;
	/** `groupId` of each group, in batch order. */
	readonly groupIds: ReadonlyArray<string>;
	/** `id` of each trajectory, in batch order (group by group). */
	readonly trajIds: ReadonlyArray<string>;
	/** Trajectories of group g are `groupTrajStart[g] .. groupTrajStart[g+1]-1` (length groups+1). */
	readonly groupTrajStart: Int32Array;
	/** Rows of trajectory k are `trajStart[k] .. trajStart[k+1]-1` (length trajectories+1). */
	readonly trajStart: Int32Array;
	/** Group index of each trajectory. */
	readonly trajGroup: Int32Array;
	/** Episode return R(τ) = Σ step rewards, per trajectory. */
	readonly episodeReturn: Float64Array;
	/** The trajectory's last step terminated (the env reached a terminal state), per trajectory. */
	readonly terminated: Uint8Array;
	/** The trajectory's last step was truncated by the step limit, per trajectory. */
	readonly truncated: Uint8Array;
	/** Group index of each row. */
	readonly group: Int32Array;
	/** Trajectory index of each row. */
	readonly traj: Int32Array;
	/** Step index `t` of each row. */
	readonly t: Int32Array;
	/** Env reward of each row's step. */
	readonly reward: Float64Array;
	/** 1 when the row's action was valid (well-formed and executable), else 0. */
	readonly valid: Uint8Array;
	/** `stateKey` the action was taken from (GiGPO anchor, RewardFlow node). */
	readonly anchor: ReadonlyArray<string>;
	/** `stateKey` after the step. */
	readonly nextAnchor: ReadonlyArray<string>;
	/** Projected env action of each row. */
	readonly action: ReadonlyArray<string>;
	/** SPA progress estimate of each row, `NaN` where the step has none. */
	readonly progress: Float64Array;
	/** Number of generated (action) tokens of each row. */
	readonly responseLen: Int32Array;
}

/** Number of groups in `rows`. */
export const groupCount = (rows: StepRows): number => rows.groupTrajStart.length - 1;

/** Number of trajectories in `rows`. */
export const trajCount = (rows: StepRows): number => rows.trajStart.length - 1;

/** First row of group g (its rows end at `groupRowStart(rows, g + 1)`). */
export const groupRowStart = (rows: StepRows, g: number): number =>
	rows.trajStart[rows.groupTrajStart[g] as number] as number;

/**
 * The trajectories of a batch in step-row order (group by group, each group's members in order),
 * with their group index: the one walk over a batch that every flattening ({@link toStepRows}, the
 * trainers' token rows) takes, so row i means the same step everywhere.
 */
export const batchTrajectories = (
	batch: TrajectoryBatch,
): ReadonlyArray<{ readonly group: number; readonly trajectory: Trajectory }> =>
	batch.groups.flatMap((g, group) => g.trajectories.map((trajectory) => ({ group, trajectory })));

/**
 * Flattens a batch into step rows (docs/credit/README.md). Each `TrajectoryGroup` is one group whatever the
 * `groupId` written on its members; steps keep their array order.
 */
export const toStepRows = (batch: TrajectoryBatch): StepRows => {
	const trajectories = batchTrajectories(batch);
	const size = trajectories.reduce((n, { trajectory }) => n + trajectory.steps.length, 0);
	const nTraj = trajectories.length;
	const nGroups = batch.groups.length;
	const groupTrajStart = new Int32Array(nGroups + 1);
	const trajStart = new Int32Array(nTraj + 1);
	const trajGroup = new Int32Array(nTraj);
	const episodeReturn = new Float64Array(nTraj);
	const terminated = new Uint8Array(nTraj);
	const truncated = new Uint8Array(nTraj);
	const group = new Int32Array(size);
	const traj = new Int32Array(size);
	const t = new Int32Array(size);
	const reward = new Float64Array(size);
	const valid = new Uint8Array(size);
	const anchor = new Array<string>(size);
	const nextAnchor = new Array<string>(size);
	const action = new Array<string>(size);
	const progress = new Float64Array(size);
	const responseLen = new Int32Array(size);
	const groupIds = batch.groups.map((g) => g.groupId);
	const trajIds: string[] = [];
	let r = 0;
	batch.groups.forEach((g, i) => {
		groupTrajStart[i + 1] = (groupTrajStart[i] as number) + g.trajectories.length;
	});
	trajectories.forEach(({ group: g, trajectory: tr }, k) => {
		trajIds.push(tr.id);
		trajStart[k] = r;
		trajGroup[k] = g;
		let ret = 0;
		for (const s of tr.steps) {
			group[r] = g;
			traj[r] = k;
			t[r] = s.t;
			reward[r] = s.reward;
			ret += s.reward;
			valid[r] = s.valid ? 1 : 0;
			anchor[r] = s.stateKey;
			nextAnchor[r] = s.nextStateKey;
			action[r] = s.action;
			progress[r] = s.progress ?? Number.NaN;
			responseLen[r] = s.actionIds.length;
			r++;
		}
		const last = tr.steps[tr.steps.length - 1];
		episodeReturn[k] = ret;
		terminated[k] = last?.terminated ? 1 : 0;
		truncated[k] = last?.truncated ? 1 : 0;
	});
	trajStart[nTraj] = r;
	return {
		size,
		groupIds,
		trajIds,
		groupTrajStart,
		trajStart,
		trajGroup,
		episodeReturn,
		terminated,
		truncated,
		group,
		traj,
		t,
		reward,
		valid,
		anchor,
		nextAnchor,
		action,
		progress,
		responseLen,
	};
};

/**
 * Token layout of a batch: the action tokens of all rows, concatenated in row order. Row i owns
 * tokens `start[i] .. start[i+1]-1` (`responseLen[i]` of them), so a trajectory's tokens are
 * contiguous too. Every per-token array of the trainers is in this layout.
 */
export const tokenLayout = (rows: Pick<StepRows, "size" | "responseLen">): Int32Array => {
	const start = new Int32Array(rows.size + 1);
	for (let i = 0; i < rows.size; i++) start[i + 1] = (start[i] as number) + (rows.responseLen[i] as number);
	return start;
};

/** Reshapes a per-row array to `[group][trajectory][step]`, the batch's own nesting. */
export const toNested = (rows: StepRows, perRow: ArrayLike<number>): number[][][] => {
	const out: number[][][] = [];
	for (let g = 0; g < groupCount(rows); g++) {
		const trajs: number[][] = [];
		for (let k = rows.groupTrajStart[g] as number; k < (rows.groupTrajStart[g + 1] as number); k++) {
			const steps: number[] = [];
			for (let i = rows.trajStart[k] as number; i < (rows.trajStart[k + 1] as number); i++)
				steps.push(perRow[i] as number);
			trajs.push(steps);
		}
		out.push(trajs);
	}
	return out;
};
