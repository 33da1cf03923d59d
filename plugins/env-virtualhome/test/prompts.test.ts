import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EpisodeMemory, type StepPromptContext } from "@stepwise/core/env/index";
import {
	FORMAT_ERROR,
	INSTRUCTED_TEMPLATES,
	virtualHomePrompts as P,
	SPA_ICL,
	SPA_INSTRUCTION,
	taskMessage,
} from "../src/prompts.ts";

const reference = JSON.parse(readFileSync(join(import.meta.dir, "../data/spa_rl_eto_style_prompts.json"), "utf8")) as {
	virtualhome_instruction: string;
	virtualhome_icl: Array<Array<{ role: string; content: string }>>;
	virtualhome_task_config: { env_config: { max_steps: number } };
};

const task = { id: "train/0", type: "drink", instruction: taskMessage("Drink", "Drink water") };

const ctx = (over: Partial<StepPromptContext> = {}): StepPromptContext => ({
	...new EpisodeMemory(task, "water_glass is CLEAN. ").stepContext(2, undefined),
	...over,
});

describe("prompts (docs/environments/README.md, docs/environments/virtualhome.md)", () => {
	test("the chat transcript is instruction, OK, the in-context example, then the task, byte-exact", () => {
		const messages = P.chatPrefix(task, "");
		expect(messages[0]).toEqual({ role: "user", content: reference.virtualhome_instruction });
		expect(messages[1]).toEqual({ role: "assistant", content: "OK" });
		expect(messages.slice(2, -1)).toEqual(reference.virtualhome_icl[0] as never);
		expect(messages[messages.length - 1]).toEqual({ role: "user", content: "The task is Drink (Drink water)." });
		// The example's own task turn has the same shape as ours.
		expect(SPA_ICL[0]?.content).toBe(taskMessage("Drink", "Drink water"));
		expect(reference.virtualhome_task_config.env_config.max_steps).toBe(40);
	});

	test("the instruction lists exactly the 27 instructed actions, in order", () => {
		const listed = SPA_INSTRUCTION.split("The available actions are:\n")[1]?.split("\n\n")[0]?.split("\n");
		expect(listed).toEqual([...INSTRUCTED_TEMPLATES]);
	});

	test("chat projection: everything after the first 'Action:'; none → the harness's format error", () => {
		expect(P.project("Thought: thirsty.\nAction: Walk to kitchen", "chat")).toEqual({
			action: "Walk to kitchen",
			valid: true,
		});
		expect(P.project("  Action:grab cup\nAction: x ", "chat")).toEqual({ action: "grab cup\nAction: x", valid: true });
		expect(P.project("I will walk to the kitchen", "chat")).toEqual({
			action: undefined,
			valid: false,
			feedback: FORMAT_ERROR,
		});
		expect(P.chatObservation(FORMAT_ERROR)).toBe("Observation: Error Input. Your input must contains 'Action: '");
	});

	test("step projection: verl-agent rules (lower-cased action tag, think tags, no CJK, last 30 chars)", () => {
		expect(P.project("<think>go</think><action>Walk to Kitchen</action>", "step")).toEqual({
			action: "walk to kitchen",
			valid: true,
		});
		expect(P.project("<action>walk to kitchen</action>", "step").valid).toBe(false);
		expect(P.project("<think>去</think><action>walk to kitchen</action>", "step").valid).toBe(false);
		const noTag = P.project("I think I should Walk to the kitchen right now", "step");
		expect(noTag).toEqual({ action: " walk to the kitchen right now", valid: false });
	});

	test("formatAction projects back to the action in every style", () => {
		for (const style of ["step", "chat", "compact"] as const) {
			const p = P.project(P.formatAction("Walk to kitchen", style), style);
			expect(p.action?.toLowerCase()).toBe("walk to kitchen");
			expect(p.valid).toBe(true);
		}
		expect(P.formatAction("Grab cup", "chat")).toMatch(/^Thought: .+\nAction: Grab cup$/);
	});

	test("step prompt: verl-agent ALFWorld layout, with and without history", () => {
		const first = P.step(ctx());
		expect(
			first.startsWith(
				"\nYou are an expert agent operating in the VirtualHome household environment.\nThe task is Drink (Drink water).\n",
			),
		).toBe(true);
		expect(first).toContain("Your current observation is: water_glass is CLEAN. \n");
		expect(first).toContain("put {obj} on {recep}");
		expect(first.endsWith("present it within <action> </action> tags.\n")).toBe(true);
		const later = P.step(
			ctx({
				stepCount: 3,
				historyStart: 2,
				history: [
					{ observation: "", action: "walk to water glass" },
					{ observation: "water_glass is CLEAN. ", action: "grab water glass" },
				],
			}),
		);
		expect(later).toContain(
			"Prior to this step, you have already taken 3 step(s). Below are the most recent 2 observations and the corresponding actions you took: [Observation 2: '', Action 2: 'walk to water glass']\n[Observation 3: 'water_glass is CLEAN. ', Action 3: 'grab water glass']\nYou are now at step 4 and your current observation is: water_glass is CLEAN. \n",
		);
	});

	test("compact prompt: goal, the actions so far, observation", () => {
		expect(P.compact(ctx())).toBe("goal: Drink (Drink water)\nobs: water_glass is CLEAN.\naction:");
		expect(
			P.compact(
				ctx({
					observation: "",
					history: [
						{ observation: "", action: "Walk to kitchen" },
						{ observation: "", action: "Walk to water glass" },
					],
					stepCount: 2,
				}),
			),
		).toBe("goal: Drink (Drink water)\ndone: Walk to kitchen, Walk to water glass\nobs: -\naction:");
		expect(P.project("  Grab cup \nmore", "compact")).toEqual({ action: "Grab cup", valid: true });
	});
});
