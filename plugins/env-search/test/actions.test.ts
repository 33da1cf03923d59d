import { describe, expect, test } from "bun:test";
import type { PromptStyle } from "@stepwise/core";
import { parseSearchR1, parseVerl } from "../src/index.ts";
import { searchPrompts } from "../src/prompts.ts";

describe("Search-R1 action parsing (postprocess_predictions)", () => {
	test("the first <search>/<answer> pair decides, content stripped", () => {
		expect(parseSearchR1("<think>hm</think>\n<search> Paul Walker </search>")).toEqual({
			action: { kind: "search", query: "Paul Walker" },
			valid: true,
		});
		expect(parseSearchR1("<answer> Beijing </answer><search>x</search>").action).toEqual({
			kind: "answer",
			answer: "Beijing",
		});
		expect(parseSearchR1("<search>multi\nline</search>").action).toEqual({ kind: "search", query: "multi\nline" });
	});
	test("the response is cut after the first </search> before matching", () => {
		// Without the cut the answer pair would match first.
		expect(parseSearchR1("<answer>a <search>q</search></answer>").action).toEqual({ kind: "search", query: "q" });
	});
	test("tag names must agree; case matters; empty content is invalid", () => {
		expect(parseSearchR1("<search>q</answer>").valid).toBe(false);
		expect(parseSearchR1("<SEARCH>q</SEARCH>").valid).toBe(false);
		expect(parseSearchR1("<search>   </search>").valid).toBe(false);
		expect(parseSearchR1("plain text").valid).toBe(false);
	});
});

describe("verl-agent projection (search_projection)", () => {
	test("search block first, case-insensitive, canonical form", () => {
		expect(parseVerl("<think>x</think><SEARCH> q </Search>")).toEqual({
			action: { kind: "search", query: "q" },
			valid: true,
		});
		expect(parseVerl("<answer>42</answer>")).toEqual({ action: { kind: "answer", answer: "42" }, valid: true });
	});
	test("both tags, or a tag twice, make it invalid but keep the action", () => {
		expect(parseVerl("<search>q</search><answer>a</answer>")).toEqual({
			action: { kind: "search", query: "q" },
			valid: false,
		});
		expect(parseVerl("<answer>a</answer><answer>b</answer>")).toEqual({
			action: { kind: "answer", answer: "a" },
			valid: false,
		});
		expect(parseVerl("nothing here")).toEqual({ action: undefined, valid: false });
		expect(parseVerl("<answer>北京</answer>")).toEqual({ action: { kind: "answer", answer: "北京" }, valid: false });
	});
});

describe("projection and formatAction", () => {
	const prompts = searchPrompts(160);
	const styles: PromptStyle[] = ["step", "chat", "compact"];
	test("formatAction output projects back to the action in every style", () => {
		for (const style of styles)
			for (const action of ["<search>Kexdale city founded</search>", "<answer>Hismaiholm</answer>"]) {
				const text = prompts.formatAction(action, style);
				expect(prompts.project(text, style)).toEqual({ action, valid: true });
			}
		expect(prompts.formatAction("<search>q</search>", "step")).toBe(
			"<think>I need more information about q, so I will search for it.</think>\n<search>q</search>",
		);
		expect(prompts.formatAction("<answer>a</answer>", "compact")).toBe("answer[a]");
		expect(prompts.formatAction("<search>Kexdale city</search>", "compact")).toBe("search[Kexdale city]");
	});
	test("garbage projects to an invalid empty action, never throws", () => {
		for (const style of styles) {
			expect(prompts.project("", style)).toEqual({ action: "", valid: false });
			expect(prompts.project("\ud800💥".repeat(1000), style)).toEqual({ action: "", valid: false });
		}
		expect(prompts.project("  <answer>x</answer>  ", "compact")).toEqual({ action: "<answer>x</answer>", valid: true });
		expect(prompts.project(" search[Kexdale city] \nmore", "compact")).toEqual({
			action: "<search>Kexdale city</search>",
			valid: true,
		});
		expect(prompts.project("answer[ ]", "compact")).toEqual({ action: "", valid: false });
		expect(prompts.project("answer[x", "compact")).toEqual({ action: "", valid: false });
	});
});
