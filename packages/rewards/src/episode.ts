import type { StepRows } from "@stepwise/core";
import { unchangedState } from "@stepwise/core";
import type { Statistics } from "./config.ts";
import { normaliseInClusters } from "./stats.ts";

/** The undiscounted per-row penalties of a credit method. */
export interface RowPenalties {
	/** p, charged to a row whose action was invalid (not well-formed or not executable; docs/credit/README.md). */
	readonly invalidPenalty: number;
	/** p₀, charged to a row whose action left the state unchanged (default 0: none, verl-agent's behaviour). */
	readonly noOpPenalty?: number;
}

/**
 * How the episode-level (outcome) advantage of GRPO, RLOO, GiGPO and RewardFlow is formed; the row
 * score is `e_i = R(τ) − p·[invalid_i] − p₀·[no-op_i]` (see {@link rowPenalty}).
 */
export interface EpisodeOptions extends RowPenalties {
	readonly statistics: Statistics;
	/** Divide by σ + ε (GRPO's `norm_adv_by_std_in_grpo`, GiGPO's `mean_std_norm`). */
	readonly scaleByStd: boolean;
	readonly epsilon: number;
	/** RLOO: multiply the centred score by n/(n−1), i.e. subtract the mean of the others. */
	readonly leaveOneOut?: boolean;
}

/**
 * A step that left the env's state unchanged (`stateKey` before = after), e.g. a Sokoban move into a
 * wall, ALFWorld's "Nothing happens." or an invalid action the env rejected. Under a greedy policy
 * whose prompt is the state, such an action repeats until the step limit, yet a sampled rollout's
 * return charges it only one step of delay.
 */
export const isNoOp = (rows: StepRows, i: number): boolean =>
	unchangedState(rows.anchor[i] ?? "", rows.nextAnchor[i] ?? "");

/**
 * Row i's penalty `p·[invalid_i] + p₀·[no-op_i]`: an invalid action that changed nothing pays both,
 * so that p₀ never makes malformed output cheaper than a legal no-op.
 */
export const rowPenalty = (rows: StepRows, i: number, p: RowPenalties): number => {
	const noOp = p.noOpPenalty ?? 0;
	return (rows.valid[i] ? 0 : p.invalidPenalty) + (noOp !== 0 && isNoOp(rows, i) ? noOp : 0);
};

/** Row score `e_i = R(τ_i) − p·[invalid_i] − p₀·[no-op_i]`: the episode return with the row's own penalty. */
export const rowScores = (rows: StepRows, p: RowPenalties): Float64Array => {
	const e = new Float64Array(rows.size);
	for (let i = 0; i < rows.size; i++) {
		e[i] = (rows.episodeReturn[rows.traj[i] as number] as number) - rowPenalty(rows, i, p);
	}
	return e;
};

/**
 * Episode-level advantage per row.
 *
 * - `statistics: "rows"` (verl-agent): μ, σ over the row scores e_i of the group (every row counts);
 *   a group of one row keeps its raw score (μ = 0, σ = 1).
 * - `statistics: "trajectories"` (papers): μ, σ over the N episode returns R(τ); every row of τ gets
 *   A(τ), minus its own undiscounted, un-normalised penalty p·[invalid]. A group of one trajectory
 *   keeps its raw return.
 */
export const episodeAdvantages = (rows: StepRows, o: EpisodeOptions): Float64Array => {
	const norm = {
		scaleByStd: o.scaleByStd,
		epsilon: o.epsilon,
		singleton: "raw" as const,
		leaveOneOut: o.leaveOneOut ?? false,
	};
	const nGroups = rows.groupTrajStart.length - 1;
	if (o.statistics === "rows") return normaliseInClusters(rowScores(rows, o), rows.group, nGroups, norm);
	const perTraj = normaliseInClusters(rows.episodeReturn, rows.trajGroup, nGroups, norm);
	const out = new Float64Array(rows.size);
	for (let i = 0; i < rows.size; i++) {
		out[i] = (perTraj[rows.traj[i] as number] as number) - rowPenalty(rows, i, o);
	}
	return out;
};

/** Discounted return-to-go `G_t = Σ_{k≥t} γ^{k−t} x_k` of `perRow` inside each trajectory. */
export const discountedReturns = (rows: StepRows, perRow: ArrayLike<number>, gamma: number): Float64Array => {
	const out = new Float64Array(rows.size);
	const nTraj = rows.trajStart.length - 1;
	for (let k = 0; k < nTraj; k++) {
		let running = 0;
		for (let i = (rows.trajStart[k + 1] as number) - 1; i >= (rows.trajStart[k] as number); i--) {
			running = (perRow[i] as number) + gamma * running;
			out[i] = running;
		}
	}
	return out;
};
