import { describe, expect, test } from "bun:test";
import type { CollectOptions } from "../../src/policy/collector.ts";
import { isMixed, runFilterRounds, runFilterRoundsAsync } from "../../src/train/filter.ts";
import type { Trajectory } from "../../src/trajectory/schema.ts";
import { stepless as episode, tasks } from "./helpers.ts";

type Outcome = "won" | "lost" | "mixed";

/** A fake collector of groups of 4 with the given outcome per task index; it records every call's options. */
const fakeCollector = (outcome: (index: number) => Outcome) => {
	const calls: CollectOptions[] = [];
	const collect = (o: CollectOptions): Trajectory[] => {
		calls.push(o);
		return o.tasks.flatMap((t) => {
			const kind = outcome(t.index);
			return [0, 1, 2, 3].map((k) => episode(t.index, k, kind === "won" || (kind === "mixed" && k < 2)));
		});
	};
	return { calls, collect };
};

/** Task i is won (i % 3 = 0), lost (1) or mixed (2). */
const cyclic = (i: number): Outcome => (["won", "lost", "mixed"] as const)[i % 3] as Outcome;

describe("dynamic sampling (filterRounds)", () => {
	test("plays the candidates `keep` at a time until `keep` mixed groups are found; each round keeps its episodes' streams", () => {
		const { calls, collect } = fakeCollector(cyclic);
		const r = runFilterRounds(
			{ tasks: tasks("train", 12), groupSize: 4, seed: 7, firstTask: 100 },
			{ keep: 3 },
			collect,
		);
		expect(r.batch.groups.map((g) => g.groupId)).toEqual(["g2", "g5", "g8"]);
		expect(calls.map((c) => c.tasks.map((t) => t.index))).toEqual([
			[0, 1, 2],
			[3, 4, 5],
			[6, 7, 8],
		]);
		// positions in the whole candidate list, so an episode samples from the stream it would have in one call
		expect(calls.map((c) => c.firstTask)).toEqual([100, 103, 106]);
		expect(calls.every((c) => c.seed === 7 && c.groupSize === 4)).toBe(true);
		expect(r.metrics).toEqual({
			"filter/rounds": 3,
			"filter/groups_played": 9,
			"filter/groups_kept": 3,
			"filter/mixed_share": 1 / 3,
			"filter/all_won_share": 1 / 3,
			"filter/all_lost_share": 1 / 3,
			"filter/played_success": (3 * 4 + 3 * 2) / 36,
		});
	});

	test("keeps the first `keep` mixed groups in candidate order when a round finds more; fewer when the candidates run out", () => {
		const mixedAt = new Set([1, 2, 3, 4, 5]);
		const { calls, collect } = fakeCollector((i) => (mixedAt.has(i) ? "mixed" : "lost"));
		const r = runFilterRounds({ tasks: tasks("train", 6) }, { keep: 3 }, collect);
		expect(r.batch.groups.map((g) => g.groupId)).toEqual(["g1", "g2", "g3"]);
		expect(r.metrics["filter/groups_played"]).toBe(6);
		expect(r.metrics["filter/mixed_share"]).toBe(5 / 6);
		expect(calls).toHaveLength(2);
		const none = runFilterRounds({ tasks: tasks("train", 5) }, { keep: 2 }, fakeCollector(() => "won").collect);
		expect(none.batch.groups).toEqual([]);
		expect(none.metrics["filter/rounds"]).toBe(3);
		expect(none.metrics["filter/all_won_share"]).toBe(1);
		const empty = runFilterRounds({ tasks: [] }, { keep: 2 }, collect);
		expect(empty.metrics).toMatchObject({ "filter/rounds": 0, "filter/groups_played": 0, "filter/played_success": 0 });
	});

	test("the async driver gives the same batch and metrics; a bad keep is refused", async () => {
		const sync = runFilterRounds({ tasks: tasks("train", 12) }, { keep: 2 }, fakeCollector(cyclic).collect);
		const { collect } = fakeCollector(cyclic);
		const viaAsync = await runFilterRoundsAsync({ tasks: tasks("train", 12) }, { keep: 2 }, async (o) => collect(o));
		expect(viaAsync).toEqual(sync);
		expect(() => runFilterRounds({ tasks: tasks("train", 4) }, { keep: 0 }, collect)).toThrow(/keep/);
	});

	test("isMixed: by success, or by score (partial credit, e.g. WebShop)", () => {
		const group = (outcomes: ReadonlyArray<[boolean, number]>) => ({
			groupId: "g",
			trajectories: outcomes.map(([won, score], k) => episode(0, k, won, score)),
		});
		expect(
			isMixed(
				group([
					[true, 1],
					[false, 0],
				]),
			),
		).toBe(true);
		expect(
			isMixed(
				group([
					[false, 0.5],
					[false, 0.2],
				]),
			),
		).toBe(false);
		expect(
			isMixed(
				group([
					[false, 0.5],
					[false, 0.2],
				]),
				"score",
			),
		).toBe(true);
		expect(
			isMixed(
				group([
					[true, 1],
					[true, 1],
				]),
				"score",
			),
		).toBe(false);
		expect(isMixed(group([]))).toBe(false);
	});
});
