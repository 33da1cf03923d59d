import { describe, expect, test } from "bun:test";
import { Effect } from "effect";
import { offersOption, type WebShopEnv } from "../src/env.ts";
import { numberedActions, numberedPrompts, resolveNumber } from "../src/numbered.ts";
import { specWorld, webshopPlugin } from "../src/plugin.ts";
import { instruction, itemObservation, playExpert, promptContext, resultsObservation } from "./fixtures.ts";

const results = resultsObservation(2);
const item = itemObservation(["mint"]);
const ctx = promptContext;

const spec = webshopPlugin.specs.find((s) => s.id === "webshop/compact-v1");
if (spec === undefined) throw new Error("no compact-v1");
const make = (overrides: Record<string, unknown> = {}) =>
	Effect.runSync(webshopPlugin.make(spec, overrides)) as WebShopEnv;

describe("numbered actions (webshop/compact-v1)", () => {
	test("worked example: the search, results and item pages with their numbers; done: resolves numbers against the page they were answered on", () => {
		expect(numberedPrompts.compact(ctx({}))).toBe(
			"goal: long lasting shampoo under 20.00\npage: search\n1 search[long lasting shampoo]\naction:",
		);
		expect(numberedActions(results, instruction)).toEqual([
			"click[b0abcdefgh]",
			"click[b0zzzzzzzz]",
			"click[next >]",
			"click[< prev]",
			"click[back to search]",
		]);
		const history = [
			{ observation: "'Search'", action: "1" },
			{ observation: results, action: "1" },
			{ observation: item, action: "2" },
		];
		expect(numberedPrompts.compact(ctx({ observation: results, history: history.slice(0, 1), stepCount: 1 }))).toBe(
			"goal: long lasting shampoo under 20.00\nresults page 2 of 3:\n" +
				"1 long lasting shampoo, sulfate free, natural, $12.5\n2 shampoo $3.99 to $7.0\n" +
				"3 next >\n4 < prev\n5 back to search\naction:",
		);
		expect(numberedPrompts.compact(ctx({ observation: item, history, stepCount: 3 }))).toBe(
			"goal: long lasting shampoo under 20.00\nitem: long lasting shampoo, sulfate free $12.5\n" +
				"size:\n1 8 fl oz\n2 16 fl oz\nscent:\n3 mint\n4 buy now\n5 < prev\n6 back to search\n" +
				"done: click[b0abcdefgh] click[16 fl oz]\naction:",
		);
		const sub = "'Back to Search' [SEP] '< Prev' [SEP] 'a long description of the shampoo and what it does for hair'";
		expect(numberedActions(sub, instruction)).toEqual(["click[< prev]", "click[back to search]"]);
	});
	test("projection: a bare number or a text action is valid, anything else is not", () => {
		expect(numberedPrompts.project(" 12\nmore", "compact")).toEqual({ action: "12", valid: true });
		expect(numberedPrompts.project("click[buy now]", "compact")).toEqual({ action: "click[buy now]", valid: true });
		expect(numberedPrompts.project("twelve", "compact").valid).toBe(false);
		expect(numberedPrompts.project("1 2", "compact").valid).toBe(false);
		expect(resolveNumber("0", results, instruction)).toBeNull();
		expect(resolveNumber("6", results, instruction)).toBeNull();
		expect(resolveNumber("click[next >]", results, instruction)).toBeUndefined();
	});
	test("the env takes a number as the page's numbered action (and lists numbers as admissible); a number the page lacks is invalid and changes nothing; text actions still work", () => {
		const env = make();
		const first = env.reset({ seed: 0, split: "test", index: 3 });
		expect(env.admissibleActions()).toEqual(["1"]);
		const bad = env.step("2");
		expect(bad.info.valid).toBe(false);
		expect(bad.observation).toBe(first.observation);
		const searched = env.step("1");
		expect(searched.info.valid).toBe(true);
		expect(env.stateKey()).toContain("Page 1 (Total results:");
		const ids = numberedActions(searched.observation, first.task.instruction);
		const byNumber = env.step("2");
		const other = make();
		other.reset({ seed: 0, split: "test", index: 3 });
		other.step("1");
		const byText = other.step(ids[1] as string);
		expect(byNumber.observation).toBe(byText.observation);
		expect(env.stateKey()).toBe(other.stateKey());
		expect(env.step("999").info.valid).toBe(false);
	});
	test("the expert answers the search and products by number, options and buttons in words, and wins through the numbered prompt (the oracle on 49+ of 50 test goals); the text specs' expert answers text", () => {
		const env = make({ expert: "oracle" });
		let won = 0;
		for (let index = 0; index < 50; index++) {
			const last = playExpert(env, { seed: 0, split: "test", index }, spec, ({ action, page, prompt }) => {
				if (page?.kind === "search") expect(action).toBe("1");
				else if (page?.kind === "results") expect(action).toMatch(/^(\d+|click\[(next >|< prev|back to search)\])$/);
				else expect(action).toMatch(/^click\[(?!b0)[^\]]+\]$/);
				expect(prompt.split("\n").at(-1)).toBe("action:");
			});
			if (last?.info.won === true) won++;
		}
		expect(won).toBeGreaterThanOrEqual(49);
		const v0 = webshopPlugin.specs.find((s) => s.id === "webshop/compact-v0");
		const text = Effect.runSync(webshopPlugin.make(v0 as NonNullable<typeof v0>, {}));
		text.reset({ seed: 0, split: "test", index: 0 });
		expect(text.expertAction()).toMatch(/^search\[/);
	});
});

describe("the shopper expert (compact-v1's)", () => {
	test("wins 0.75+ of 500 test goals (score 0.9+) deciding from the pages alone; goes back from a product that lacks a goal option, which the prompt then marks (seen)", () => {
		const env = make();
		let won = 0;
		let score = 0;
		let backs = 0;
		for (let index = 0; index < 500; index++) {
			const request = { seed: 0, split: "test", index };
			const last = playExpert(env, request, spec, ({ action, page, memory }) => {
				if (page?.kind !== "item" || action !== "click[< prev]") return;
				backs++;
				const goal = specWorld(spec).goal(Number(memory.task.id.split("/")[1]));
				expect(goal.goalOptions.some((o) => !offersOption(page.product, o))).toBe(true);
				expect(env.prompts.compact(memory.stepContext(spec.historyLength, undefined))).toContain(" (seen)\n");
			});
			if (last?.info.won === true) won++;
			score += last?.info.score ?? 0;
		}
		expect(won / 500).toBeGreaterThanOrEqual(0.75);
		expect(score / 500).toBeGreaterThanOrEqual(0.9);
		expect(backs).toBeGreaterThan(20);
	});
});

test("shopperOpens: 1 buys the first product it opens (never goes back) and wins 0.45+ of 200 test goals; more opens win more", () => {
	const wins = (opens: number): { won: number; backs: number } => {
		const env = make({ shopperOpens: opens });
		let won = 0;
		let backs = 0;
		for (let index = 0; index < 200; index++) {
			const last = playExpert(env, { seed: 0, split: "test", index }, spec, ({ action, page }) => {
				if (page?.kind === "item" && action === "click[< prev]") backs++;
			});
			if (last?.info.won === true) won++;
		}
		return { won: won / 200, backs };
	};
	const one = wins(1);
	const three = wins(3);
	expect(one.backs).toBe(0);
	expect(one.won).toBeGreaterThanOrEqual(0.45);
	expect(three.won).toBeGreaterThan(one.won);
	expect(three.backs).toBeGreaterThan(0);
});

test("actions: numbered needs the compact prompt: on verl-v0 it is an EnvConfigError naming the option", () => {
	const verl = webshopPlugin.specs.find((s) => s.id === "webshop/verl-v0");
	if (verl === undefined) throw new Error("no verl-v0");
	const bad = Effect.runSync(Effect.flip(webshopPlugin.make(verl, { actions: "numbered" })));
	expect(bad._tag).toBe("EnvConfigError");
	expect(bad.path).toBe("actions");
	expect(bad.message).toContain('"numbered" needs a spec with the compact prompt (this one uses "step")');
});
