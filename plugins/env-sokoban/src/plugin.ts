/**
 * The Sokoban plugin: its specs and `make`, which merges overrides into the spec's options and
 * decodes them (a bad option is an `EnvConfigError` naming it).
 */
import type { EnvPlugin, EnvSpec } from "@stepwise/core";
import { Effect } from "effect";
import { makeSokobanEnv } from "./env.ts";
import { decodeOptions } from "./options.ts";

/**
 * verl-agent's Sokoban: 6×6 rooms with one box from the reverse-play generator (depth 30), 15
 * steps, a history window of 2. Levels needing more than 10 moves are re-seeded (the range of the
 * reference generator's statistics), so every task is solvable within the step limit.
 */
export const sokoban6x6Spec: EnvSpec = {
	id: "sokoban/6x6-1box-v0",
	description: "Sokoban, generated 6x6 rooms with 1 box (verl-agent/GiGPO setting: depth 30, 15 steps)",
	maxSteps: 15,
	historyLength: 2,
	rewardScale: 1,
	invalidPenalty: 0.1,
	promptStyle: "compact",
	defaults: { contextLength: 80, maxNewTokens: 4 },
	splits: ["train", "test"],
	options: { width: 6, height: 6, boxes: 1, searchDepth: 30, maxSolutionLength: 10, render: "text" },
};

/**
 * The 1,000 fixed Boxoban levels of `unfiltered/test/000.txt` (10×10, 4 boxes): an out-of-distribution
 * check. The step limit of 200 covers the A* expert's plans (at most 176 moves on this file).
 */
export const boxobanSpec: EnvSpec = {
	id: "sokoban/boxoban-v0",
	description: "Sokoban, the 1,000 fixed Boxoban unfiltered test levels (10x10, 4 boxes)",
	maxSteps: 200,
	historyLength: 2,
	rewardScale: 1,
	invalidPenalty: 0.1,
	promptStyle: "step",
	defaults: { contextLength: 1472, maxNewTokens: 28 },
	splits: ["test"],
	options: { levelSet: "boxoban-unfiltered-test-000", render: "text" },
};

/** The Sokoban environment plugin. */
export const sokobanPlugin: EnvPlugin = {
	id: "sokoban",
	description: "Sokoban (gym-sokoban dynamics and rewards; verl-agent/RAGEN generator, renderings and prompts)",
	specs: [sokoban6x6Spec, boxobanSpec],
	make: (spec, overrides) => {
		const options = { ...spec.options, ...overrides };
		return Effect.map(decodeOptions(spec.id, options, spec.splits.length), (config) =>
			makeSokobanEnv({ ...spec, options }, config),
		);
	},
};
