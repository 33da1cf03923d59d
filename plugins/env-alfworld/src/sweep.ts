/**
 * Expert sweeps: run the oracle and the searcher over generated tasks of each split and report
 * success rates (within a step limit) and mean steps per task type.
 */
import { AlfworldGame } from "./env.ts";
import { generateTask, type LocationRule, type Split } from "./generator.ts";
import type { TaskType } from "./state.ts";

/** Outcome of one expert episode. */
export interface ExpertRun {
	readonly type: TaskType;
	readonly won: boolean;
	readonly steps: number;
	/** Steps where the searcher had no move and the oracle's was used. */
	readonly fallbacks: number;
	/** Expert commands that were not admissible (must be 0). */
	readonly inadmissible: number;
}

/** Play one generated task with an expert until it wins or `limit` steps pass. */
export const runExpert = (
	expert: "oracle" | "searcher",
	seed: number,
	split: Split,
	index: number,
	limit: number,
	grammar: "legacy" | "current" = "legacy",
	searcherLimit = 40,
	locations: LocationRule = "distinct",
): ExpertRun => {
	const task = generateTask(seed, split, index, { searcherLimit, locations });
	const game = new AlfworldGame(task.scene, { grammar, intro: "sft", arrive: "stripped" });
	let steps = 0;
	let fallbacks = 0;
	let inadmissible = 0;
	while (!game.won && steps < limit) {
		let a = expert === "oracle" ? game.oracleAction() : game.searcherAction();
		if (a === undefined && expert === "searcher") {
			fallbacks++;
			a = game.oracleAction();
		}
		if (a === undefined) break;
		if (game.play(a) === undefined) inadmissible++;
		steps++;
	}
	return { type: task.scene.goal.type, won: game.won, steps, fallbacks, inadmissible };
};

/** Summary of many runs. */
export const summarise = (runs: ReadonlyArray<ExpertRun>) => {
	const byType = new Map<string, { n: number; won: number; steps: number }>();
	for (const r of runs) {
		const s = byType.get(r.type) ?? { n: 0, won: 0, steps: 0 };
		s.n++;
		if (r.won) {
			s.won++;
			s.steps += r.steps;
		}
		byType.set(r.type, s);
	}
	const won = runs.filter((r) => r.won);
	return {
		n: runs.length,
		success: won.length / runs.length,
		meanSteps: won.reduce((a, r) => a + r.steps, 0) / Math.max(1, won.length),
		fallbacks: runs.reduce((a, r) => a + r.fallbacks, 0),
		inadmissible: runs.reduce((a, r) => a + r.inadmissible, 0),
		byType: Object.fromEntries(
			[...byType.entries()]
				.sort()
				.map(([t, s]) => [t, { n: s.n, success: s.won / s.n, meanSteps: s.steps / Math.max(1, s.won) }]),
		),
	};
};
