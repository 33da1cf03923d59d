import type { ResetRequest } from "../env/types.ts";
import type { CollectOptions } from "../policy/collector.ts";
import type { Trajectory } from "../trajectory/schema.ts";
import type { Metrics } from "./metrics.ts";

/**
 * Hard-task selection for RL: every iteration, one greedy rollout of each candidate task, then the
 * groups are played on the tasks the greedy policy failed. Most groups of a policy that already
 * solves most tasks are won by every sample and carry no group-relative signal; the tasks its greedy
 * decoding (what evaluation measures) fails are where samples disagree with it.
 */
export interface TaskScreen {
	/** Tasks trained on per iteration: the first candidates the greedy policy failed, then (when fewer failed) the first it won. */
	readonly keep: number;
}

/** The collector options of the screening pass: the candidates, one greedy episode each. */
export const screenCollectOptions = (options: CollectOptions): CollectOptions => {
	const { groupSize: _groupSize, greedyMembers: _greedyMembers, temperature: _t, topP: _p, ...rest } = options;
	return { ...rest, greedy: true, groupSize: 1, groupPrefix: `${options.groupPrefix ?? ""}screen/` };
};

/**
 * Pick `keep` tasks from the candidates by their greedy episodes (`greedy[i]` played `candidates[i]`):
 * failed ones first, in candidate order, then won ones. Metrics: the candidates' greedy success
 * (a free greedy success figure on fresh training tasks) and the share of kept tasks that failed.
 */
export const pickHardTasks = (
	candidates: ReadonlyArray<ResetRequest>,
	greedy: ReadonlyArray<Trajectory>,
	keep: number,
): { readonly tasks: ResetRequest[]; readonly metrics: Metrics } => {
	if (greedy.length !== candidates.length)
		throw new Error(`pickHardTasks: ${greedy.length} greedy episodes for ${candidates.length} candidates`);
	const failed = candidates.filter((_, i) => !greedy[i]?.won);
	const won = candidates.filter((_, i) => greedy[i]?.won);
	const tasks = [...failed, ...won].slice(0, keep);
	const kept = Math.min(failed.length, tasks.length);
	return {
		tasks,
		metrics: {
			"screen/greedy_success": candidates.length === 0 ? 0 : won.length / candidates.length,
			"screen/candidates": candidates.length,
			"screen/failed_share_of_kept": tasks.length === 0 ? 0 : kept / tasks.length,
		},
	};
};
