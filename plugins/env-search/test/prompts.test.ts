import { describe, expect, test } from "bun:test";
import type { StepPromptContext } from "@stepwise/core";
import { searchR1Information, searchR1Prompt, verlInformation } from "../src/index.ts";
import { compactObservation, observedDocs, searchPrompts } from "../src/prompts.ts";
import { dataFile } from "./helpers.ts";

const prompts = searchPrompts(40);
const task = { id: "test/0", type: "bridge", instruction: "Who founded Tesk Shipping Company?" };
const obs1 = verlInformation([
	{ contents: '"Tesk Shipping Company"\nTesk Shipping Company is a company founded in 1880 by Orlen Tesk.' },
]);
const ctx = (stepCount: number): StepPromptContext => ({
	task,
	observation: stepCount === 0 ? task.instruction : obs1,
	history: stepCount === 0 ? [] : [{ observation: task.instruction, action: "<search>Tesk Shipping Company</search>" }],
	historyStart: 1,
	stepCount,
	historyLength: 4,
	admissibleActions: undefined,
});
const templates = JSON.parse(dataFile("verl_agent_search_templates.json")) as Record<string, string>;

describe("verl-agent step prompts (byte-exact)", () => {
	const head =
		"\nYou are an expert agent tasked with answering the given question step-by-step.\nYour question: Who founded Tesk Shipping Company?\n\n";
	const tail =
		"Now it's your turn to respond for the current step.\nYou should first conduct reasoning process. This process MUST be enclosed within <think> </think> tags. \nAfter completing your reasoning, choose only one of the following actions (do not perform both):\n(1) If you find you lack some knowledge, you can call a search engine to get more external information using format: <search> your query </search>.\n(2) If you have enough knowledge to answer the question confidently, provide your final answer within <answer> </answer> tags, without detailed illustrations. For example, <answer>Beijing</answer>.\n";
	test("first step uses SEARCH_TEMPLATE_NO_HIS", () => {
		expect(prompts.step(ctx(0))).toBe(head + tail);
		expect(templates.SEARCH_TEMPLATE_NO_HIS).toBe(
			head.replace("Who founded Tesk Shipping Company?", "{task_description}") + tail,
		);
	});
	test("with history_length 0 every step uses SEARCH_TEMPLATE_NO_HIS (as verl-agent's manager does)", () => {
		expect(prompts.step({ ...ctx(1), history: [], historyLength: 0 })).toBe(head + tail);
	});
	test("later steps use SEARCH_TEMPLATE with Step n:{action} {observation} memory", () => {
		const memory = `Step 1:<search>Tesk Shipping Company</search> ${obs1}\n`;
		expect(prompts.step(ctx(1))).toBe(
			`${head}Prior to this step, you have already taken 1 step(s). Below is the interaction history where <search> </search> wrapped your past search queries and <information> </information> wrapped the corresponding search results returned by the external search engine. History:\n${memory}\n\n${tail}`,
		);
	});
	test("memory lines are joined with a newline after each line's own newline, numbered from historyStart", () => {
		const c = ctx(1);
		const two: StepPromptContext = {
			...c,
			history: [
				{ observation: "o1", action: "a1" },
				{ observation: "o2", action: "a2" },
			],
			historyStart: 3,
			stepCount: 4,
			observation: "o3",
		};
		expect(prompts.step(two)).toContain("History:\nStep 3:a1 o2\n\nStep 4:a2 o3\n\n\nNow it's");
	});
});

describe("chat (Search-R1) and compact prompts", () => {
	test("chat opens with the Search-R1 user prompt; observations pass through", () => {
		expect(prompts.chatPrefix(task, task.instruction)).toEqual([
			{ role: "user", content: searchR1Prompt(task.instruction) },
		]);
		expect(prompts.chatObservation("\n\n<information>x</information>\n\n")).toBe(
			"\n\n<information>x</information>\n\n",
		);
	});
	test("compact shows the question, past actions and the passages cut short", () => {
		expect(prompts.compact(ctx(0))).toBe("Q: Who founded Tesk Shipping Company?\n>");
		expect(prompts.compact(ctx(1))).toBe(
			"Q: Who founded Tesk Shipping Company?\nsearch[Tesk Shipping Company]\nTesk Shipping Company: is a company founded in 1880 by Orlen Te…\n>",
		);
	});
	test("compact, worked example: earlier searches keep their top passage, the current result all of its passages", () => {
		const first = searchR1Information([
			{
				contents:
					'"Ann Vell"\nAnn Vell Ann Vell (born 1871 in Tulton) studied at Kexdale University. She wrote two books.',
			},
			{ contents: '"Bo Vell"\nBo Vell was a painter.' },
		]);
		const second = searchR1Information([
			{ contents: '"Kexdale University"\nKexdale University is a university founded in 1956 by Orm Tesk.' },
		]);
		const two: StepPromptContext = {
			task: { id: "t", instruction: "Who founded the university where Ann Vell studied?" },
			observation: second,
			history: [
				{
					observation: "Who founded the university where Ann Vell studied?",
					action: "<search>Ann Vell studied</search>",
				},
				{ observation: first, action: "<search>Kexdale University founded</search>" },
			],
			historyStart: 1,
			stepCount: 2,
			historyLength: 4,
			admissibleActions: undefined,
		};
		expect(searchPrompts(50).compact(two)).toBe(
			[
				"Q: Who founded the university where Ann Vell studied?",
				"search[Ann Vell studied]",
				"Ann Vell: (born 1871 in Tulton) studied at Kexdale Universit…",
				"search[Kexdale University founded]",
				"Kexdale University: is a university founded in 1956 by Orm Tesk.",
				">",
			].join("\n"),
		);
		expect(searchPrompts(20).compact(two)).toContain("Ann Vell: (born 1871 in Tulton…\n");
	});
	test("observedDocs reads both result formats back", () => {
		const sr1 = '\n\n<information>Doc 1(Title: "A B") text one\nDoc 2(Title: "C") text two</information>\n\n';
		expect(observedDocs(sr1)).toEqual([
			{ title: "A B", text: "text one" },
			{ title: "C", text: "text two" },
		]);
		expect(observedDocs(obs1)).toEqual([
			{ title: "Tesk Shipping Company", text: "Tesk Shipping Company is a company founded in 1880 by Orlen Tesk." },
		]);
		expect(compactObservation("", 10)).toBe("(none)");
		expect(observedDocs("<information>{broken</information>")).toEqual([]);
	});
});
