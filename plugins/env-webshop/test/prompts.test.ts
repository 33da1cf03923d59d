import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { EpisodeMemory } from "@stepwise/core";
import { Effect } from "effect";
import type { WebShopEnv } from "../src/env.ts";
import { webshopPlugin } from "../src/plugin.ts";
import {
	etoProjection,
	INVALID_FORMAT,
	MAX_PROMPT_CHARS,
	PROMPT_DATA,
	verlProjection,
	webshopPrompts,
} from "../src/prompts.ts";
import { itemObservation, playExpert, promptContext, resultsObservation, task } from "./fixtures.ts";

describe("prompt data", () => {
	test("the templates are the reference strings byte for byte (U+2011, trailing spaces, leading newline)", () => {
		expect(
			PROMPT_DATA.WEBSHOP_TEMPLATE_NO_HIS.startsWith(
				"\nYou are an expert autonomous agent operating in the WebShop e\u2011commerce environment. \n",
			),
		).toBe(true);
		expect(PROMPT_DATA.WEBSHOP_TEMPLATE).toContain(
			"Your admissible actions of the current situation are: \n[\n{available_actions}\n].\n",
		);
		expect(PROMPT_DATA.WEBSHOP_TEMPLATE).toContain("MUST be enclosed within <think> </think> tags. \n");
		expect(PROMPT_DATA.webshop_icl[0]?.length).toBe(8);
		const raw = readFileSync(new URL("../data/prompts.json", import.meta.url), "utf8");
		expect(raw).toContain("e\u2011commerce");
	});
});

const ctx = promptContext;

describe("verl-agent step prompt", () => {
	test("first step: the no-history template, filled", () => {
		const text = webshopPrompts.step(ctx({}));
		expect(text).toBe(
			"\nYou are an expert autonomous agent operating in the WebShop e\u2011commerce environment. \n" +
				`Your task is to: ${task.instruction}.\n` +
				"Your current observation is: 'Search'.\n" +
				"Your admissible actions of the current situation are: \n[\n'search[<your query>]',\n'click[search]',\n].\n\n" +
				"Now it's your turn to take one action for the current step.\n" +
				"You should first reason step-by-step about the current situation, then think carefully which admissible action best advances the shopping goal. This reasoning process MUST be enclosed within <think> </think> tags. \n" +
				"Once you've finished your reasoning, you should choose an admissible action for current step and present it within <action> </action> tags.\n",
		);
	});
	test("later steps: history template with verl-agent's memory; falls back above 13,000 characters", () => {
		const c = ctx({
			observation: "'Back to Search' [SEP] '< Prev'",
			history: [{ observation: "'Search'", action: "search[shampoo]" }],
			historyStart: 3,
			stepCount: 3,
		});
		const text = webshopPrompts.step(c);
		expect(text).toContain(
			"Prior to this step, you have already taken 3 step(s). Below are the most recent 1 observations and the corresponding actions you took: [Observation 3: ''Search'', Action 3: 'search[shampoo]']\nYou are now at step 4 and your current observation is: 'Back to Search' [SEP] '< Prev'.\n",
		);
		expect(text).toContain("[\n'click[back to search]',\n'click[< prev]',\n]");
		const long = webshopPrompts.step({ ...c, history: [{ observation: "x".repeat(MAX_PROMPT_CHARS), action: "a" }] });
		expect(long).toBe(webshopPrompts.step({ ...c, history: [], stepCount: 0 }));
	});
});

describe("ETO/SPA chat", () => {
	test("instruction, OK, the ICL example (with Observation:\\n), then the bare first page [quirk]", () => {
		const first = `WebShop [SEP] Instruction: [SEP] ${task.instruction} [SEP] Search`;
		const msgs = webshopPrompts.chatPrefix(task, first);
		expect(msgs[0]).toEqual({ role: "user", content: PROMPT_DATA.webshop_instruction });
		expect(msgs[1]).toEqual({ role: "assistant", content: "OK" });
		expect(
			msgs[2]?.content.startsWith(
				"Observation:\nWebShop [SEP] Instruction: [SEP] i need a long lasting 6.76 fl oz bottle of l'eau d'issey",
			),
		).toBe(true);
		expect(msgs[msgs.length - 1]).toEqual({ role: "user", content: first });
		expect(msgs.length).toBe(11);
		expect(webshopPrompts.chatObservation("a [SEP] b")).toBe("Observation:\na [SEP] b");
		expect(webshopPrompts.chatObservation(INVALID_FORMAT)).toBe(
			"Observation: Invalid format. The input must contains 'Action: '",
		);
	});
	test("a whole episode through EpisodeMemory alternates assistant answers and observations", () => {
		const spec = webshopPlugin.specs[1];
		if (spec === undefined) throw new Error("no spec");
		const env = Effect.runSync(webshopPlugin.make(spec, {}));
		const r = env.reset({ seed: 0, split: "test", index: 2 });
		const memory = new EpisodeMemory(r.task, r.observation);
		let obs = r.observation;
		for (let t = 0; t < 10; t++) {
			const action = env.expertAction() as string;
			const response = webshopPrompts.formatAction(action, "chat");
			const p = webshopPrompts.project(response, "chat");
			expect(p).toEqual({ action, valid: true });
			const s = env.step(p.action as string);
			memory.record({ observation: obs, action, response, nextObservation: s.observation });
			obs = s.observation;
			if (s.terminated) break;
		}
		const chat = memory.chat(webshopPrompts);
		expect(chat[chat.length - 1]?.content.startsWith("Observation:\nInstruction: [SEP]")).toBe(true);
		expect(chat.filter((m) => m.role === "assistant").length).toBe(1 + 4 + memory.steps.length);
	});
});

describe("projections", () => {
	test("verl-agent: <action> between tags, lower-cased; missing tags → last 20 characters, invalid", () => {
		expect(verlProjection("<think>go</think><action>Click[Buy Now]</action>")).toEqual({
			action: "click[buy now]",
			valid: true,
		});
		expect(verlProjection("I will click the product B09ABCDEFG now")).toEqual({
			action: "oduct b09abcdefg now",
			valid: false,
		});
		expect(verlProjection("<action>click[x]</action>")).toEqual({ action: "click[x]", valid: false });
		expect(verlProjection("<think>好</think><action>click[x]</action>").valid).toBe(false);
		expect(verlProjection("<think></think></action>x<action>").action).toBe("");
	});
	test("ETO: everything after the first 'Action:' (one optional space); none → feedback", () => {
		expect(etoProjection("Thought: hm\nAction: search[red shoes]")).toEqual({
			action: "search[red shoes]",
			valid: true,
		});
		expect(etoProjection("Action:click[x]\nmore")).toEqual({ action: "click[x]\nmore", valid: true });
		expect(etoProjection("no action here")).toEqual({ action: undefined, valid: false, feedback: INVALID_FORMAT });
	});
	test("formatAction round-trips through project in every style", () => {
		for (const style of ["step", "chat", "compact"] as const)
			for (const a of [
				"search[gluten free snacks]",
				"click[b0abcdefgh]",
				"click[buy now]",
				"click[x-large]",
				"click[< prev]",
			]) {
				expect(webshopPrompts.project(webshopPrompts.formatAction(a, style), style)).toEqual({
					action: a,
					valid: true,
				});
			}
	});
	test("compact prompt: goal, page elements, the clicks since the last search", () => {
		const text = webshopPrompts.compact(
			ctx({
				observation: "'Back to Search' [SEP] '< Prev'",
				history: [{ observation: "'Search'", action: "search[shampoo]" }],
				stepCount: 1,
			}),
		);
		expect(text).toBe("goal: long lasting shampoo under 20.00\npage: Back to Search | < Prev\naction:");
	});
	test("compact prompt, worked example: a results page, then an item page with its options", () => {
		const results = resultsObservation(1);
		expect(
			webshopPrompts.compact(
				ctx({
					observation: results,
					history: [{ observation: "'Search'", action: "search[long lasting shampoo]" }],
					stepCount: 1,
				}),
			),
		).toBe(
			"goal: long lasting shampoo under 20.00\nresults page 1 of 3 (next >):\nb0abcdefgh long lasting shampoo, sulfate free, natural, $12.5\nb0zzzzzzzz shampoo $3.99 to $7.0\naction:",
		);
		const item = itemObservation(["mint", "rose"]);
		expect(
			webshopPrompts.compact(
				ctx({
					observation: item,
					history: [
						{ observation: "'Search'", action: "search[long lasting shampoo]" },
						{ observation: results, action: "click[b0abcdefgh]" },
						{ observation: item, action: "click[16 fl oz]" },
					],
					stepCount: 3,
					historyLength: 6,
				}),
			),
		).toBe(
			"goal: long lasting shampoo under 20.00\nitem: long lasting shampoo, sulfate free $12.5\nsize: 8 fl oz, 16 fl oz\nscent: mint, rose\ndone: click[b0abcdefgh] click[16 fl oz]\naction:",
		);
	});
	test("webshop/compact-v0: verl-v0's shop and step limit with the compact prompt; the expert wins through it; every prompt stays under 2,000 characters", () => {
		const spec = webshopPlugin.specs.find((s) => s.id === "webshop/compact-v0");
		const verl = webshopPlugin.specs.find((s) => s.id === "webshop/verl-v0");
		expect(spec?.promptStyle).toBe("compact");
		expect(spec?.maxSteps).toBe(verl?.maxSteps);
		expect(spec?.options).toEqual(verl?.options);
		const env = Effect.runSync(webshopPlugin.make(spec as NonNullable<typeof spec>, {})) as WebShopEnv;
		const prompts: string[] = [];
		const last = playExpert(env, { seed: 0, split: "test", index: 0 }, { maxSteps: 15, historyLength: 6 }, (step) =>
			prompts.push(step.prompt),
		);
		const won = last?.info.won === true;
		expect(won).toBe(true);
		expect(prompts[0]).toMatch(/^goal: .+\npage: search\naction:$/);
		expect(prompts[1]).toMatch(/\nresults page 1 of \d+/);
		for (const p of prompts) expect(p.length).toBeLessThan(2000);
	});
});
