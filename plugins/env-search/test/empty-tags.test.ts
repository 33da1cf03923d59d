/**
 * Empty tags, as the reference harnesses treat them (the `-v1` specs):
 * - Search-R1 (`search_r1/llm_agent/generation.py`, `postprocess_predictions`): the pattern
 *   `<(search|answer)>(.*?)</\1>` matches an empty pair; the content is stripped. In
 *   `execute_predictions` action `answer` ends the episode (`dones.append(1)`, valid) and action
 *   `search` sends its content to the retriever and answers `\n\n<information>{docs}</information>\n\n`.
 *   The reward (`verl/utils/reward_score/qa_em.py`) takes the last `<answer>` span, here "", and
 *   scores exact match: 0. With the BM25 retriever (`retrieval_server.py`, `BM25Retriever._search`)
 *   an empty query has no hits and gives `[]`, so the information block is empty.
 * - verl-agent (`env_package/search/projection.py`, `search_projection`): an empty block is still
 *   extracted (`<search></search>`, `<answer></answer>`) and stays valid; the env ends the episode on
 *   `<answer>`…`</answer>` and otherwise calls the search tool, whose no-result text is
 *   `{"result": "No search results found."}`.
 * The `-v0` specs count both invalid; they stay as they were.
 */
import { describe, expect, test } from "bun:test";
import { Effect } from "effect";
import {
	INVALID_ACTION_MESSAGE,
	parseSearchR1,
	parseVerl,
	searchPlugin,
	searchR1Spec,
	searchR1SpecV1,
	verlSpec,
	verlSpecV1,
} from "../src/index.ts";
import { cacheDir, makeEnv } from "./helpers.ts";

describe("parsers: empty content", () => {
	test("Search-R1: an empty pair is an action when allowed (its regex matches it), else invalid", () => {
		expect(parseSearchR1("<think>x</think><answer></answer>", true)).toEqual({
			action: { kind: "answer", answer: "" },
			valid: true,
		});
		expect(parseSearchR1("<search>  \n </search>", true)).toEqual({
			action: { kind: "search", query: "" },
			valid: true,
		});
		expect(parseSearchR1("<answer></answer>").valid).toBe(false);
		expect(parseSearchR1("<search> </search>").valid).toBe(false);
		// The first pair still decides, and an unmatched or missing pair stays invalid.
		expect(parseSearchR1("<search></search><answer>Paris</answer>", true).action).toEqual({
			kind: "search",
			query: "",
		});
		expect(parseSearchR1("<search></answer>", true).valid).toBe(false);
	});

	test("verl-agent: the projection keeps empty blocks valid when allowed; its other rules still apply", () => {
		expect(parseVerl("<think>x</think><answer></answer>", true)).toEqual({
			action: { kind: "answer", answer: "" },
			valid: true,
		});
		expect(parseVerl("<SEARCH> </search>", true)).toEqual({ action: { kind: "search", query: "" }, valid: true });
		expect(parseVerl("<answer></answer>").valid).toBe(false);
		expect(parseVerl("<search></search><answer>a</answer>", true)).toEqual({
			action: { kind: "search", query: "" },
			valid: false,
		});
		expect(parseVerl("<answer></answer><answer></answer>", true).valid).toBe(false);
	});
});

describe("Search-R1 (-v1)", () => {
	const env = makeEnv(searchR1SpecV1);

	test("`<answer></answer>` is a final answer: the episode ends, valid, exact match 0", () => {
		env.reset({ seed: 0, split: "test", index: 3 });
		const r = env.step("<think>I give up</think>\n<answer></answer>");
		expect(r).toMatchObject({ observation: "", reward: 0, terminated: true, truncated: false });
		expect(r.info).toMatchObject({ won: false, valid: true, score: 0 });
		expect(env.expertAction()).toBeUndefined();
	});

	test('`<search></search>` is a search for "": BM25 has no hits, so an empty information block, one turn used', () => {
		env.reset({ seed: 0, split: "test", index: 3 });
		const r = env.step("<search></search>");
		expect(r).toMatchObject({ observation: "\n\n<information></information>\n\n", reward: 0, terminated: false });
		expect(r.info.valid).toBe(true);
		expect(env.stateKey()).toBe("No search results found.");
		// The expert still solves the question afterwards.
		let last = r;
		for (let t = 0; t < 4 && !last.terminated; t++) last = env.step(env.expertAction() ?? "");
		expect(last.terminated).toBe(true);
	});

	test("the -v0 spec keeps answering both with the invalid-action message", () => {
		const v0 = makeEnv(searchR1Spec);
		v0.reset({ seed: 0, split: "test", index: 3 });
		const key = v0.stateKey();
		for (const text of ["<answer></answer>", "<search>   </search>"]) {
			const r = v0.step(text);
			expect(r.observation).toBe(INVALID_ACTION_MESSAGE);
			expect(r.info.valid).toBe(false);
			expect(r.terminated).toBe(false);
			expect(v0.stateKey()).toBe(key);
		}
	});

	test("the projection round-trips the empty actions in every prompt style", () => {
		for (const style of ["chat", "step", "compact"] as const)
			for (const action of ["<answer></answer>", "<search></search>"]) {
				const p = env.prompts.project(env.prompts.formatAction(action, style), style);
				expect(p).toEqual({ action, valid: true });
			}
	});
});

describe("verl-agent (-v1)", () => {
	const env = makeEnv(verlSpecV1);

	test("`<answer></answer>` ends the episode with reward 0, valid (no format penalty)", () => {
		env.reset({ seed: 0, split: "test", index: 5 });
		const r = env.step("<think>unsure</think><answer></answer>");
		expect(r).toMatchObject({ reward: 0, terminated: true, info: { won: false, valid: true, score: 0 } });
	});

	test('`<search></search>` calls the tool with "": its no-result text', () => {
		env.reset({ seed: 0, split: "test", index: 5 });
		const r = env.step("<think>hm</think><search></search>");
		expect(r.observation).toBe('<information>{"result": "No search results found."}</information>');
		expect(r.info.valid).toBe(true);
		expect(r.terminated).toBe(false);
	});

	test("the -v0 spec keeps both invalid with an empty observation", () => {
		const v0 = makeEnv(verlSpec);
		v0.reset({ seed: 0, split: "test", index: 5 });
		for (const text of ["<answer></answer>", "<search></search>"]) {
			const r = v0.step(text);
			expect(r).toMatchObject({ observation: "", terminated: false, info: { valid: false } });
		}
	});
});

describe("specs", () => {
	test("six specs; the -v1 ones differ from -v0 only in emptyContent and their ids", () => {
		expect(searchPlugin.specs.map((s) => s.id)).toEqual([
			"search/searchr1-v0",
			"search/verl-v0",
			"search/searchr1-v1",
			"search/verl-v1",
			"search/compact-v0",
			"search/numbered-v0",
		]);
		const { id: _a, description: _b, options: o1, ...rest1 } = searchR1SpecV1;
		const { id: _c, description: _d, options: o0, ...rest0 } = searchR1Spec;
		expect(rest1).toEqual(rest0);
		expect(o1).toEqual({ ...o0, emptyContent: "act" });
		expect(verlSpecV1.options).toEqual({ ...verlSpec.options, emptyContent: "act" });
		expect(verlSpecV1.invalidPenalty).toBe(verlSpec.invalidPenalty);
	});

	test("bad emptyContent values are EnvConfigErrors naming the option", () => {
		const bad = Effect.runSync(Effect.flip(searchPlugin.make(searchR1SpecV1, { cacheDir, emptyContent: "maybe" })));
		expect(bad._tag).toBe("EnvConfigError");
		expect(bad.path).toBe("emptyContent");
	});
});
