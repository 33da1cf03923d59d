import type { CollectOptions } from "../policy/collector.ts";
import {
	groupTrajectories,
	type Trajectory,
	type TrajectoryBatch,
	type TrajectoryGroup,
} from "../trajectory/schema.ts";
import type { Metrics } from "./metrics.ts";

/**
 * Dynamic sampling (DAPO, Yu et al. 2025, §3.2): a group whose episodes all end alike (all won or all
 * lost) gives group-relative credit nothing at the episode level, yet costs as much to update on as
 * any other, and its zero rows dilute the mini-batch. With a filter, an iteration's tasks are
 * candidates played `keep` at a time (one round each) until `keep` groups whose outcomes differ are
 * found or the candidates run out; the update trains on those groups only. Each round's episodes
 * sample from the streams they would have had in one call over all candidates, so the batch does not
 * depend on how rounds are played (main thread or workers).
 */
export interface GroupFilter {
	/** Groups trained on per iteration; the candidates (`tasks(i)`) are played this many at a time. */
	readonly keep: number;
	/** What must differ within a kept group: `won` (success, the default) or `score`. */
	readonly metric?: "won" | "score";
}

/** The episodes of a group do not all end alike by the filter's metric. */
export const isMixed = (group: TrajectoryGroup, metric: GroupFilter["metric"] = "won"): boolean => {
	const [first, ...rest] = group.trajectories;
	if (first === undefined) return false;
	return metric === "won" ? rest.some((t) => t.won !== first.won) : rest.some((t) => t.score !== first.score);
};

/** A filtered rollout phase's outcome: the groups to train on and the `filter/…` metrics. */
export interface FilteredRollouts {
	readonly batch: TrajectoryBatch;
	readonly metrics: Metrics;
}

/**
 * The rounds of a filtered rollout phase as a generator: it yields the collector options of each
 * round (a slice of `options.tasks`, with `firstTask` set so that every episode keeps its stream),
 * takes that round's trajectories back, and returns the kept groups, so that the same logic drives a
 * synchronous collector and a worker pool. Metrics: rounds played, groups played and kept, the
 * shares of played groups that were mixed, all won and all lost, and the success of every played
 * episode (the training stream's success, which the kept groups alone would bias towards one half).
 */
export function* filterRounds(
	options: CollectOptions,
	filter: GroupFilter,
): Generator<CollectOptions, FilteredRollouts, ReadonlyArray<Trajectory>> {
	if (!Number.isInteger(filter.keep) || filter.keep < 1)
		throw new Error(`GroupFilter: keep must be a positive integer, got ${filter.keep}`);
	const kept: TrajectoryGroup[] = [];
	let rounds = 0;
	let played = 0;
	let mixed = 0;
	let allWon = 0;
	let episodes = 0;
	let won = 0;
	for (let start = 0; start < options.tasks.length && kept.length < filter.keep; start += filter.keep) {
		const trajectories = yield {
			...options,
			tasks: options.tasks.slice(start, start + filter.keep),
			firstTask: (options.firstTask ?? 0) + start,
		};
		rounds++;
		for (const group of groupTrajectories(trajectories).groups) {
			played++;
			episodes += group.trajectories.length;
			const wins = group.trajectories.filter((t) => t.won).length;
			won += wins;
			if (isMixed(group, filter.metric)) {
				mixed++;
				if (kept.length < filter.keep) kept.push(group);
			} else if (wins === group.trajectories.length) allWon++;
		}
	}
	const share = (k: number) => (played === 0 ? 0 : k / played);
	return {
		batch: { groups: kept },
		metrics: {
			"filter/rounds": rounds,
			"filter/groups_played": played,
			"filter/groups_kept": kept.length,
			"filter/mixed_share": share(mixed),
			"filter/all_won_share": share(allWon),
			"filter/all_lost_share": share(played - mixed - allWon),
			"filter/played_success": episodes === 0 ? 0 : won / episodes,
		},
	};
}

/** Drive {@link filterRounds} with a synchronous collector. */
export const runFilterRounds = (
	options: CollectOptions,
	filter: GroupFilter,
	collect: (options: CollectOptions) => ReadonlyArray<Trajectory>,
): FilteredRollouts => {
	const rounds = filterRounds(options, filter);
	let next = rounds.next();
	while (next.done !== true) next = rounds.next(collect(next.value));
	return next.value;
};

/** Drive {@link filterRounds} with an asynchronous collector (a worker pool). */
export const runFilterRoundsAsync = async (
	options: CollectOptions,
	filter: GroupFilter,
	collect: (options: CollectOptions) => Promise<ReadonlyArray<Trajectory>>,
): Promise<FilteredRollouts> => {
	const rounds = filterRounds(options, filter);
	let next = rounds.next();
	while (next.done !== true) next = rounds.next(await collect(next.value));
	return next.value;
};
