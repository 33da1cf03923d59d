/**
 * The ALFWorld plugin and its two specs:
 * - `alfworld/legacy-v0`: the ETO / SPA-RL / STeCa flavour: legacy grammar (`put X in/on Y`), chat
 *   prompts, 40 steps, success reward 1, intro without banner (SFT form), `go to` text stripped.
 * - `alfworld/v0.4-v0`: the verl-agent / GiGPO flavour: current grammar (`move X to Y`, `help`),
 *   step prompts with a history of 2, 50 steps, reward ×10, format penalty 0.1, intro with banner.
 */
import type { EnvPlugin, EnvSpec } from "@stepwise/core";
import { Effect } from "effect";
import { makeAlfworldEnv } from "./env.ts";
import { splits } from "./generator.ts";
import { decodeOptions } from "./options.ts";

/** The SPA/ETO-style spec. */
export const legacySpec: EnvSpec = {
	id: "alfworld/legacy-v0",
	description: "ALFWorld text household, legacy grammar (ETO/SPA-RL style chat, 40 steps)",
	maxSteps: 40,
	historyLength: 2,
	rewardScale: 1,
	invalidPenalty: 0,
	promptStyle: "chat",
	defaults: { contextLength: 2752, maxNewTokens: 52 },
	splits: [...splits],
	options: {
		grammar: "legacy",
		intro: "sft",
		arrive: "stripped",
		stateKey: "observation+inventory",
		expert: "searcher",
	},
};

/** The verl-agent-style spec. */
export const currentSpec: EnvSpec = {
	id: "alfworld/v0.4-v0",
	description: "ALFWorld text household, current grammar (verl-agent style step prompts, 50 steps)",
	maxSteps: 50,
	historyLength: 2,
	rewardScale: 10,
	invalidPenalty: 0.1,
	promptStyle: "step",
	defaults: { contextLength: 1152, maxNewTokens: 60 },
	splits: [...splits],
	options: {
		grammar: "current",
		intro: "banner",
		arrive: "raw",
		stateKey: "observation+inventory",
		expert: "searcher",
	},
};

/** The ALFWorld environment plugin. */
export const alfworldPlugin: EnvPlugin = {
	id: "alfworld",
	description: "ALFWorld (TextWorld) household tasks: six task types in procedurally generated rooms",
	specs: [legacySpec, currentSpec],
	make: (spec, overrides) =>
		Effect.map(decodeOptions(spec.id, { ...spec.options, ...overrides }), (options) =>
			makeAlfworldEnv({ ...spec, options: { ...options } }, options),
		),
};
