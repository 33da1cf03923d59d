import { describe, expect, test } from "bun:test";
import { EpisodeMemory, type StepPromptContext } from "@stepwise/core";
import { Effect } from "effect";
import type { WebShopEnv } from "../src/env.ts";
import { numberedActions, numberedPrompts, resolveNumber } from "../src/numbered.ts";
import { specWorld, webshopPlugin } from "../src/plugin.ts";

const instruction = "i need a long lasting shampoo, and price lower than 20.00 dollars";
const task = { id: "test/1", instruction };

const results = [
	"'Back to Search'",
	"'Page 2 (Total results: 23)'",
	"'< Prev'",
	"'Next >'",
	"'B0ABCDEFGH'",
	"'Acme Long Lasting Shampoo, Sulfate Free, Natural, Salon Grade, Large'",
	"'$12.5'",
	"'B0ZZZZZZZZ'",
	"'Bolt Shampoo'",
	"'$3.99 to $7.0'",
].join(" [SEP] ");
const item = [
	"'Back to Search'",
	"'< Prev'",
	"'size'",
	"'8 fl oz'",
	"'16 fl oz'",
	"'scent'",
	"'mint'",
	"'Acme Long Lasting Shampoo, Sulfate Free'",
	"'Price: $12.5'",
	"'Rating: N.A.'",
	"'Description'",
	"'Features'",
	"'Reviews'",
	"'Buy Now'",
].join(" [SEP] ");

const ctx = (over: Partial<StepPromptContext>): StepPromptContext => ({
	task,
	observation: "'Search'",
	history: [],
	historyStart: 1,
	stepCount: 0,
	historyLength: 6,
	admissibleActions: undefined,
	...over,
});

const spec = webshopPlugin.specs.find((s) => s.id === "webshop/compact-v1");
if (spec === undefined) throw new Error("no compact-v1");
const make = () => Effect.runSync(webshopPlugin.make(spec, {}));

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
		const env = Effect.runSync(webshopPlugin.make(spec, { expert: "oracle" }));
		let won = 0;
		for (let index = 0; index < 50; index++) {
			const reset = env.reset({ seed: 0, split: "test", index });
			const memory = new EpisodeMemory(reset.task, reset.observation);
			for (let t = 0; t < spec.maxSteps; t++) {
				const action = env.expertAction() as string;
				const kind = (env as WebShopEnv).page()?.kind;
				if (kind === "search") expect(action).toBe("1");
				else if (kind === "results") expect(action).toMatch(/^(\d+|click\[(next >|< prev|back to search)\])$/);
				else expect(action).toMatch(/^click\[(?!b0)[^\]]+\]$/);
				const prompt = env.prompts.compact(memory.stepContext(spec.historyLength, undefined));
				expect(prompt.split("\n").at(-1)).toBe("action:");
				const observation = memory.observation;
				const p = env.prompts.project(env.prompts.formatAction(action, "compact"), "compact");
				const r = env.step(p.action as string);
				memory.record({ observation, action, response: action, nextObservation: r.observation });
				if (r.terminated) {
					if (r.info.won) won++;
					break;
				}
			}
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
		const env = make() as WebShopEnv;
		let won = 0;
		let score = 0;
		let backs = 0;
		for (let index = 0; index < 500; index++) {
			const reset = env.reset({ seed: 0, split: "test", index });
			const memory = new EpisodeMemory(reset.task, reset.observation);
			for (let t = 0; t < spec.maxSteps; t++) {
				const action = env.expertAction() as string;
				const observation = memory.observation;
				const page = env.page();
				const r = env.step(action);
				memory.record({ observation, action, response: action, nextObservation: r.observation });
				if (page?.kind === "item" && action === "click[< prev]") {
					backs++;
					const goal = specWorld(spec).goal(Number(reset.task.id.split("/")[1]));
					const lacks = goal.goalOptions.some(
						(o) => !page.product.options.some((x) => x.name === o.name && x.values.includes(o.value)),
					);
					expect(lacks).toBe(true);
					const prompt = env.prompts.compact(memory.stepContext(spec.historyLength, undefined));
					expect(prompt).toContain(" (seen)\n");
				}
				if (r.terminated) {
					if (r.info.won) won++;
					score += r.info.score;
					break;
				}
			}
		}
		expect(won / 500).toBeGreaterThanOrEqual(0.75);
		expect(score / 500).toBeGreaterThanOrEqual(0.9);
		expect(backs).toBeGreaterThan(20);
	});
});

test("shopperOpens: 1 buys the first product it opens (never goes back) and wins 0.45+ of 200 test goals; more opens win more", () => {
	const wins = (opens: number): { won: number; backs: number } => {
		const env = Effect.runSync(webshopPlugin.make(spec, { shopperOpens: opens })) as WebShopEnv;
		let won = 0;
		let backs = 0;
		for (let index = 0; index < 200; index++) {
			env.reset({ seed: 0, split: "test", index });
			for (let t = 0; t < spec.maxSteps; t++) {
				const action = env.expertAction() as string;
				if (env.page()?.kind === "item" && action === "click[< prev]") backs++;
				const r = env.step(action);
				if (r.terminated) {
					if (r.info.won) won++;
					break;
				}
			}
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
