/**
 * The Search environment: retrieval-augmented multi-hop QA over the generated encyclopedia.
 *
 * `step` takes model text or the canonical action — `<search>{query}</search>` or
 * `<answer>{text}</answer>` — and reads it with the spec format's own parser (Search-R1's first-pair
 * rule, or verl-agent's projection rules), so the canonical action always parses as itself.
 * - search: retrieve the top-k passages (BM25); the observation is Search-R1's
 *   `\n\n<information>Doc 1(Title: …) …</information>\n\n` or verl-agent's
 *   `<information>{"result": "Doc 1: …"}</information>`. In the Search-R1 format, searches after
 *   `maxTurns` turns get an empty `<information></information>` block (Search-R1's final round runs
 *   with `do_search=False`).
 * - answer: the episode terminates; reward = exact match of the answer with the gold answers (0/1),
 *   `won` = reward 1.
 * - empty content (`-v1` specs, `emptyContent: act`, as both harnesses do): `<answer></answer>` is a
 *   final answer scored against "" (reward 0); `<search></search>` searches for "", which BM25
 *   answers with no passages (Search-R1: `<information></information>`; verl-agent: `No search
 *   results found.`). The `-v0` specs count empty content invalid.
 * - anything else (no pair, empty content in `-v0`; for verl-agent also both tags, a tag twice or CJK text): `valid = false`,
 *   reward 0, the state unchanged; the observation is Search-R1's invalid-action message, or empty for
 *   verl-agent. (verl-agent's harness still executes its projection's action: our `project` returns
 *   it, and the harness passes that canonical action here.)
 *
 * `stateKey` is the question at reset, then the text of the last retrieved passages
 * (`Doc i(Title: …) …` lines), so GiGPO can group states by retrieved text.
 */
import {
	type Env,
	type EnvSpec,
	episodeEnded,
	notReset,
	type ResetRequest,
	type ResetResult,
	type StepResult,
	unknownSplit,
} from "@stepwise/core";
import { actionText, INVALID_ACTION_MESSAGE, parseSearchR1, parseVerl, type SearchAction } from "./actions.ts";
import type { Corpus } from "./corpus.ts";
import { emCheck, pyStrip } from "./em.ts";
import { expertNext } from "./expert.ts";
import { searchR1Docs, searchR1Information, verlInformation } from "./format.ts";
import { type NameMatcher, nameMatcher, nameTable, numberNames, resolveNames } from "./numbered.ts";
import type { SearchOptions } from "./options.ts";
import type { Passage } from "./passages.ts";
import { searchPrompts } from "./prompts.ts";
import { makeQuestion, type Question } from "./questions.ts";
import type { Split } from "./world.ts";

const matchers = new WeakMap<Corpus, NameMatcher>();

/** The matcher of a corpus's entity names (built once per corpus). */
const matcherOf = (corpus: Corpus): NameMatcher => {
	let m = matchers.get(corpus);
	if (m === undefined) {
		m = nameMatcher(corpus.world.entities.map((e) => e.name));
		matchers.set(corpus, m);
	}
	return m;
};

/** Make a Search env over a loaded corpus. */
export const makeSearchEnv = (spec: EnvSpec, options: SearchOptions, corpus: Corpus): Env => {
	const allowEmpty = options.emptyContent === "act";
	const names = options.names === "numbered" ? matcherOf(corpus) : undefined;
	const prompts = searchPrompts(options.compactDocChars, allowEmpty, names);
	/** The episode's name table (numbered names): extended with every observation the env returns. */
	let table: string[] = [];
	const shown = (r: StepResult): StepResult => {
		if (names !== undefined) table = nameTable(names, [r.observation], table);
		return r;
	};
	/** An action's text (a search's query, an answer's answer). */
	const textOf = (a: SearchAction): string => (a.kind === "search" ? a.query : a.answer);
	/** The action with another text. */
	const withText = (a: SearchAction, text: string): SearchAction =>
		a.kind === "search" ? { kind: "search", query: text } : { kind: "answer", answer: text };
	/** An action with its `#k` written as names (numbered names); undefined when a number names nothing. */
	const resolved = (a: SearchAction): SearchAction | undefined => {
		if (names === undefined) return a;
		const text = resolveNames(table, textOf(a));
		return text === undefined ? undefined : withText(a, text);
	};
	/** The expert's action with the table's names written `#k` (numbered names). */
	const numbered = (a: SearchAction): SearchAction =>
		names === undefined ? a : withText(a, numberNames(names, table, textOf(a)));
	const parse = (text: string) =>
		options.format === "searchr1" ? parseSearchR1(text, allowEmpty) : parseVerl(text, allowEmpty);
	let question: Question | undefined;
	let ended = false;
	let turns = 0;
	let key = "";
	let retrieved: Passage[] = [];
	let queries: string[] = [];

	const info = (won: boolean, valid: boolean, score: number, kind: string) => ({
		won,
		valid,
		score,
		extra: { source: question?.source ?? "", action: kind },
	});

	const search = (query: string): StepResult => {
		// Search-R1's final round runs with do_search=False: a search gets an empty <information> block.
		if (options.format === "searchr1" && turns > options.maxTurns)
			return {
				observation: searchR1Information([]),
				reward: 0,
				terminated: false,
				truncated: false,
				info: info(false, true, 0, "search-disabled"),
			};
		const docs = corpus.search(query, options.topK);
		retrieved = [...retrieved, ...docs];
		queries = [...queries, query];
		key = docs.length === 0 ? "No search results found." : pyStrip(searchR1Docs(docs));
		const observation = options.format === "searchr1" ? searchR1Information(docs) : verlInformation(docs);
		return { observation, reward: 0, terminated: false, truncated: false, info: info(false, true, 0, "search") };
	};

	const answer = (text: string, golden: ReadonlyArray<string>): StepResult => {
		const em = emCheck(text, golden);
		ended = true;
		key = `${key}\n<answer>${text}</answer>`;
		return {
			observation: "",
			reward: em,
			terminated: true,
			truncated: false,
			info: info(em === 1, true, em, "answer"),
		};
	};

	return {
		spec,
		prompts,
		reset(request: ResetRequest): ResetResult {
			if (!spec.splits.includes(request.split)) return unknownSplit(spec.id, request.split, spec.splits);
			const q = makeQuestion(corpus.world, request.seed, request.split as Split, request.index);
			question = q;
			ended = false;
			turns = 0;
			key = q.question;
			retrieved = [];
			queries = [];
			table = names === undefined ? [] : nameTable(names, [q.question]);
			return {
				observation: q.question,
				task: { id: q.id, type: q.source, instruction: q.question },
				info: { extra: { source: q.source, golden_answers: [...q.golden] } },
			};
		},
		step(text: string): StepResult {
			if (question === undefined) return notReset(spec.id);
			if (ended) return episodeEnded(spec.id);
			turns++;
			const parsed = parse(text);
			const action = parsed.valid && parsed.action !== undefined ? resolved(parsed.action) : undefined;
			if (action === undefined) {
				const observation = options.format === "searchr1" ? INVALID_ACTION_MESSAGE : "";
				return { observation, reward: 0, terminated: false, truncated: false, info: info(false, false, 0, "invalid") };
			}
			return shown(action.kind === "search" ? search(action.query) : answer(action.answer, question.golden));
		},
		admissibleActions: () => undefined,
		stateKey: () => key,
		expertAction: () =>
			question === undefined || ended
				? undefined
				: actionText(numbered(expertNext(question.plan, retrieved, queries, options.expertQueries))),
	};
};
