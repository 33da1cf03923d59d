/**
 * @stepwise/env-search — retrieval-augmented multi-hop QA in the Search-R1 and verl-agent formats,
 * over a seeded fictional encyclopedia with a BM25 retriever.
 */
import { registerEnv } from "@stepwise/core";
import { searchPlugin } from "./plugin.ts";

export { actionText, INVALID_ACTION_MESSAGE, parseSearchR1, parseVerl, type SearchAction } from "./actions.ts";
export { type Bm25Index, Bm25Searcher, buildIndex, deserializeIndex, serializeIndex, tokenize } from "./bm25.ts";
export { type Corpus, type CorpusOptions, clearCorpusCache, indexPath, loadCorpus } from "./corpus.ts";
export { computeScoreEm, emCheck, extractSolution, normalizeAnswer } from "./em.ts";
export { makeSearchEnv } from "./env.ts";
export { expertNext } from "./expert.ts";
export { corpusLine, exportCorpusJsonl } from "./export.ts";
export {
	pyJsonString,
	SEARCH_R1_PREFIX,
	searchR1Docs,
	searchR1Information,
	searchR1Prompt,
	verlInformation,
} from "./format.ts";
export { decodeOptions, type SearchOptions } from "./options.ts";
export { type Passage, renderPassage } from "./passages.ts";
export { compactSpec, searchPlugin, searchR1Spec, searchR1SpecV1, verlSpec, verlSpecV1 } from "./plugin.ts";
export { makeQuestion, type Question, SOURCES, type Source } from "./questions.ts";
export { generateWorld, type World } from "./world.ts";

/** The plugin value. */
export const plugin = searchPlugin;
/** The Layer registering the plugin into the `EnvRegistry`. */
export const layer = registerEnv(searchPlugin);
