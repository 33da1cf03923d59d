/**
 * The Search plugin: its specs and `make`, which decodes the options, builds or loads the corpus
 * (cached per `(corpusSeed, passages)` in memory and on disk) and returns a fresh env.
 */
import { EnvConfigError, type EnvPlugin, type EnvSpec } from "@stepwise/core";
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
	splits: [...SPLITS],
	options: { format: "verl" },
};

/**
 * Search for small policies: Search-R1's loop and results (4 search turns and the final round) with
 * the compact prompt (passages cut to `compactDocChars`) and bare `search[q]` / `answer[a]` answers.
 */
export const compactSpec: EnvSpec = {
	id: "search/compact-v0",
	description: "Search-R1's loop (4 search turns + answer round, EM reward) with the compact prompt for small policies",
	maxSteps: 5,
	historyLength: 4,
	rewardScale: 1,
	invalidPenalty: 0,
	promptStyle: "compact",
	splits: [...SPLITS],
	options: { format: "searchr1", compactDocChars: 100 },
};

/** The Search environment plugin. */
export const searchPlugin: EnvPlugin = {
	id: "search",
	description: "retrieval-augmented multi-hop QA (Search-R1 / verl-agent) over a seeded fictional encyclopedia",
	specs: [searchR1Spec, verlSpec, compactSpec],
	make: (spec, overrides) =>
		Effect.flatMap(decodeOptions(spec.id, { ...spec.options, ...overrides }), (options) =>
			Effect.try({
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
			}),
		),
};
