import { describe, expect, test } from "bun:test";
import { buildPrompt, EpisodeMemory, type PromptStyle } from "@stepwise/core";
import { compactSpec, searchR1Prompt, searchR1Spec, verlSpec } from "../src/index.ts";
import { makeEnv } from "./helpers.ts";

/** Play the expert through the harness path: prompt → formatAction (as the policy's text) → project → step. */
const play = (spec: typeof searchR1Spec, style: PromptStyle, overrides: { readonly [k: string]: unknown } = {}) => {
	const env = makeEnv(spec, overrides);
	const reset = env.reset({ seed: 0, split: "test", index: 7 });
	const memory = new EpisodeMemory(reset.task, reset.observation);
	const prompts: string[] = [];
	let won = false;
	for (let t = 0; t < spec.maxSteps; t++) {
		const built = buildPrompt(env.prompts, memory, style, spec.historyLength, undefined);
		prompts.push(built.style === "chat" ? JSON.stringify(built.messages) : built.text);
		const expert = env.expertAction();
		if (expert === undefined) break;
		const response = env.prompts.formatAction(expert, style);
		const projected = env.prompts.project(response, style);
		expect(projected).toEqual({ action: expert, valid: true });
		const before = memory.observation;
		const r = env.step(projected.action ?? "");
		memory.record({ observation: before, action: expert, response, nextObservation: r.observation });
		won = r.info.won;
		if (r.terminated) break;
	}
	return { reset, prompts, won, memory, env };
};

describe("a full episode through the harness path", () => {
	test("chat (Search-R1): the transcript opens with the prefix prompt and carries <information> turns", () => {
		const { reset, won, memory, env } = play(searchR1Spec, "chat");
		expect(won).toBe(true);
		const chat = memory.chat(env.prompts);
		expect(chat[0]).toEqual({ role: "user", content: searchR1Prompt(reset.task.instruction) });
		expect(chat[1]?.role).toBe("assistant");
		expect(chat[2]?.content.startsWith("\n\n<information>Doc 1(Title: ")).toBe(true);
	});
	test("step (verl-agent): the second prompt shows Step 1 with the JSON-wrapped result", () => {
		const { prompts, won } = play(verlSpec, "step");
		expect(won).toBe(true);
		expect(prompts[0]).toContain("Your question: ");
		expect(prompts[0]).not.toContain("History:");
		expect(prompts[1]).toMatch(/History:\nStep 1:<search>[^<]+<\/search> <information>\{"result": "Doc 1: /);
	});
	test("compact: short prompts with the retrieved titles", () => {
		const { prompts, won } = play(verlSpec, "compact");
		expect(won).toBe(true);
		expect(prompts[0]?.startsWith("Q: ")).toBe(true);
		for (const p of prompts) expect(p.length).toBeLessThan(1200);
		expect(prompts[1]?.split("\n").length).toBeGreaterThanOrEqual(4);
	});
	test("search/compact-v0: the expert wins through bare actions; compactDocChars bounds every passage shown", () => {
		expect(compactSpec.promptStyle).toBe("compact");
		expect(compactSpec.maxSteps).toBe(searchR1Spec.maxSteps);
		const passageLengths = (chars: number) => {
			const { prompts, won } = play(compactSpec, "compact", { compactDocChars: chars });
			expect(won).toBe(true);
			expect(prompts[1]).toMatch(/^Q: [^\n]+\nsearch\[[^\]]+\]\n/);
			return prompts.flatMap((p) =>
				p
					.split("\n")
					.filter((l) => /^[^:]+: /.test(l) && !l.startsWith("Q: "))
					.map((l) => l.slice(l.indexOf(": ") + 2).length),
			);
		};
		const short = passageLengths(30);
		const long = passageLengths(300);
		expect(short.length).toBeGreaterThan(0);
		expect(Math.max(...short)).toBeLessThanOrEqual(31);
		expect(Math.max(...long)).toBeGreaterThan(31);
	});
});
