/**
 * The Search plugin: its specs and `make`, which decodes the options, builds or loads the corpus
 * (cached per `(corpusSeed, passages)` in memory and on disk) and returns a fresh env.
 */
import { compactOnly, EnvConfigError, type EnvPlugin, type EnvSpec } from "@stepwise/core";
import { Effect } from "effect";
import { loadCorpus } from "./corpus.ts";
import { makeSearchEnv } from "./env.ts";
import { decodeOptions } from "./options.ts";
import { SPLITS } from "./world.ts";

/** Search-R1's loop: 4 search turns plus the final answer round, full-history chat prompt, no format penalty. */
export const searchR1Spec: EnvSpec = {
	id: "search/searchr1-v0",
	description: "Search-R1 style multi-hop QA over a generated encyclopedia (BM25 top-3, EM reward)",
	maxSteps: 5,
	historyLength: 4,
	rewardScale: 1,
	invalidPenalty: 0,
	promptStyle: "chat",
	defaults: { contextLength: 2560, maxNewTokens: 96 },
	splits: [...SPLITS],
	options: { format: "searchr1" },
};

/** verl-agent's Search environment: 4 turns, JSON-wrapped results, history 4, format penalty 0.01. */
export const verlSpec: EnvSpec = {
	id: "search/verl-v0",
	description: "verl-agent style multi-hop QA over a generated encyclopedia (4 turns, penalty 0.01)",
	maxSteps: 4,
	historyLength: 4,
	rewardScale: 1,
	invalidPenalty: 0.01,
	promptStyle: "step",
	defaults: { contextLength: 2688, maxNewTokens: 104 },
	splits: [...SPLITS],
	options: { format: "verl" },
};

/**
 * Search-R1's loop as `searchr1-v0`, with Search-R1's handling of empty tags: `<answer></answer>` is a
 * final (wrong) answer and `<search></search>` a search for "" (the `-v0` spec counts both invalid).
 */
export const searchR1SpecV1: EnvSpec = {
	...searchR1Spec,
	id: "search/searchr1-v1",
	description:
		"Search-R1 style multi-hop QA over a generated encyclopedia; empty <search>/<answer> acted on as Search-R1 does",
	options: { format: "searchr1", emptyContent: "act" },
};

/** verl-agent's loop as `verl-v0`, with its projection's handling of empty tags (valid actions). */
export const verlSpecV1: EnvSpec = {
	...verlSpec,
	id: "search/verl-v1",
	description:
		"verl-agent style multi-hop QA over a generated encyclopedia; empty <search>/<answer> acted on as verl-agent does",
	options: { format: "verl", emptyContent: "act" },
};

/**
 * Search for small policies: Search-R1's loop and results (4 search turns and the final round) with
 * the compact prompt (passages cut to `compactDocChars`) and bare `search[q]` / `answer[a]` answers.
 */
export const compactSpec: EnvSpec = {
	...searchR1Spec,
	id: "search/compact-v0",
	description: "Search-R1's loop (4 search turns + answer round, EM reward) with the compact prompt for small policies",
	promptStyle: "compact",
	// prompts: mean 177, p90 312, max 481 tokens; answers at most 32 (scripts/measure-spec-lengths.ts)
	defaults: { contextLength: 384, maxNewTokens: 36 },
	options: { ...searchR1Spec.options, compactDocChars: 100 },
};

/**
 * `compact-v0` with numbered names: the compact prompt writes every name the episode has shown as
 * `#k` and actions may use the number (`search[#1 studied]`, `answer[#4]`); see `numbered.ts`.
 */
export const numberedSpec: EnvSpec = {
	...compactSpec,
	id: "search/numbered-v0",
	description: "search/compact-v0 with numbered names: names shown as #k, and #k in an action stands for the name",
	// prompts: mean 167, p90 287, max 372 tokens; answers at most 11 (scripts/measure-spec-lengths.ts)
	defaults: { contextLength: 320, maxNewTokens: 16 },
	options: { ...compactSpec.options, names: "numbered" },
};

/** The Search environment plugin. */
export const searchPlugin: EnvPlugin = {
	id: "search",
	description: "retrieval-augmented multi-hop QA (Search-R1 / verl-agent) over a seeded fictional encyclopedia",
	specs: [searchR1Spec, verlSpec, searchR1SpecV1, verlSpecV1, compactSpec, numberedSpec],
	make: (spec, overrides) =>
		Effect.flatMap(decodeOptions(spec.id, { ...spec.options, ...overrides }), (options) => {
			const compact = compactOnly(spec, "names", options.names, "numbered");
			if (compact !== undefined) return Effect.fail(compact);
			return Effect.try({
				try: () => {
					const corpus = loadCorpus({
						seed: options.corpusSeed,
						passages: options.passages,
						cacheDir: options.cacheDir,
						diskCache: options.diskCache,
					});
					return makeSearchEnv({ ...spec, options: { ...spec.options, ...overrides } }, options, corpus);
				},
				catch: (error) =>
					new EnvConfigError({
						specId: spec.id,
						path: "cacheDir",
						message: `could not build or cache the corpus index under ${options.cacheDir}: ${String(error)}`,
					}),
			});
		}),
};
