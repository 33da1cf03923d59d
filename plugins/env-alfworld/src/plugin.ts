/**
 * The ALFWorld plugin and its two specs:
 * - `alfworld/legacy-v0`: the ETO / SPA-RL / STeCa flavour: legacy grammar (`put X in/on Y`), chat
 *   prompts, 40 steps, success reward 1, intro without banner (SFT form), `go to` text stripped.
 * - `alfworld/v0.4-v0`: the verl-agent / GiGPO flavour: current grammar (`move X to Y`, `help`),
 *   step prompts with a history of 2, 50 steps, reward ×10, format penalty 0.1, intro with banner.
 * - `alfworld/legacy-v1`, `alfworld/v0.4-v1`: the same two flavours with ALFWorld's location rule:
 *   receptacles of a real floor plan that share a location share it here too (`You are facing the
 *   cabinet 2, and cabinet 1.`), and `go to` one at the agent's own location answers `Nothing
 *   happens.`. Their task sets differ from the `-v0` ones, which stay as they were.
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
		locations: "distinct",
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
		locations: "distinct",
	},
};

/** The SPA/ETO-style spec with ALFWorld's shared locations. */
export const legacySpecV1: EnvSpec = {
	...legacySpec,
	id: "alfworld/legacy-v1",
	description:
		"ALFWorld text household, legacy grammar, receptacles sharing locations as in ALFWorld (ETO/SPA-RL chat, 40 steps)",
	options: { ...legacySpec.options, locations: "shared" },
};

/** The verl-agent-style spec with ALFWorld's shared locations. */
export const currentSpecV1: EnvSpec = {
	...currentSpec,
	id: "alfworld/v0.4-v1",
	description:
		"ALFWorld text household, current grammar, receptacles sharing locations as in ALFWorld (verl-agent step prompts, 50 steps)",
	options: { ...currentSpec.options, locations: "shared" },
};

/**
 * The verl-agent game (current grammar, 50 steps, reward ×10, penalty 0.1) behind the compact
 * memory prompt (`compact.ts`) for small policies trained from scratch; its history window holds
 * every step, which the prompt condenses into what the agent has seen.
 */
export const compactSpec: EnvSpec = {
	...currentSpec,
	id: "alfworld/compact-v0",
	description: "ALFWorld, current grammar and verl-agent rewards, compact memory prompt for small policies (50 steps)",
	historyLength: 50,
	promptStyle: "compact",
	// prompts: mean 106, p90 122, max 140 tokens; answers at most 13 (scripts/measure-spec-lengths.ts)
	defaults: { contextLength: 192, maxNewTokens: 16 },
};

/** The ALFWorld environment plugin. */
export const alfworldPlugin: EnvPlugin = {
	id: "alfworld",
	description: "ALFWorld (TextWorld) household tasks: six task types in procedurally generated rooms",
	specs: [legacySpec, currentSpec, legacySpecV1, currentSpecV1, compactSpec],
	make: (spec, overrides) =>
		Effect.map(decodeOptions(spec.id, { ...spec.options, ...overrides }), (options) =>
			makeAlfworldEnv({ ...spec, options: { ...options } }, options),
		),
};
