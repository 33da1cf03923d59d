import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EpisodeMemory, type StepPromptContext, withTimeLimit } from "@stepwise/core";
import { collectDemonstrations, type Demonstration } from "@stepwise/core/policy/demos";
import { Effect } from "effect";
import { runs } from "../src/compact.ts";
import { alfworldPlugin, compactSpec, currentSpec, legacySpec } from "../src/plugin.ts";
import { alfworldPrompts as P } from "../src/prompts.ts";

const verl = JSON.parse(readFileSync(join(import.meta.dir, "../data/verl_agent_prompt_templates.json"), "utf8"));
const spa = JSON.parse(readFileSync(join(import.meta.dir, "../data/spa_rl_eto_style_prompts.json"), "utf8"));

const task = { id: "t", type: "pick_and_place_simple", instruction: "put a apple in fridge." };
const ctx = (over: Partial<StepPromptContext>): StepPromptContext => ({
	...new EpisodeMemory(task, "On the countertop 1, you see a apple 1.").stepContext(2, [
		"go to countertop 1",
		"help",
		"look",
		"take apple 1 from countertop 1",
	]),
	...over,
});

describe("verl-agent step prompts (byte-exact)", () => {
	test("the first step uses ALFWORLD_TEMPLATE_NO_HIS; admissible list quoted, joined by newline+space, help removed", () => {
		const expected =
			"\nYou are an expert agent operating in the ALFRED Embodied Environment.\n" +
			"Your current observation is: On the countertop 1, you see a apple 1.\n" +
			"Your admissible actions of the current situation are: ['go to countertop 1'\n 'look'\n 'take apple 1 from countertop 1'].\n\n" +
			"Now it's your turn to take an action.\n" +
			"You should first reason step-by-step about the current situation. This reasoning process MUST be enclosed within <think> </think> tags. \n" +
			"Once you've finished your reasoning, you should choose an admissible action for current step and present it within <action> </action> tags.\n";
		expect(verl.ALFWORLD_TEMPLATE_NO_HIS.startsWith("\nYou are an expert agent")).toBe(true);
		expect(P.step(ctx({}))).toBe(expected);
	});

	test("later steps use ALFWORLD_TEMPLATE with the history window numbered from the true step", () => {
		const c = ctx({
			stepCount: 7,
			historyStart: 6,
			history: [
				{ observation: "obs six", action: "go to fridge 1" },
				{ observation: "obs seven", action: "open fridge 1" },
			],
			admissibleActions: ["look"],
		});
		const expected =
			"\nYou are an expert agent operating in the ALFRED Embodied Environment. Your task is to: put a apple in fridge.\n" +
			"Prior to this step, you have already taken 7 step(s). Below are the most recent 2 observations and the corresponding actions you took: " +
			"[Observation 6: 'obs six', Action 6: 'go to fridge 1']\n[Observation 7: 'obs seven', Action 7: 'open fridge 1']\n" +
			"You are now at step 8 and your current observation is: On the countertop 1, you see a apple 1.\n" +
			"Your admissible actions of the current situation are: ['look'].\n\n" +
			"Now it's your turn to take an action.\n" +
			"You should first reason step-by-step about the current situation. This reasoning process MUST be enclosed within <think> </think> tags. \n" +
			"Once you've finished your reasoning, you should choose an admissible action for current step and present it within <action> </action> tags.\n";
		expect(P.step(c)).toBe(expected);
	});

	test("the env's task instruction is the text after `Your task is to: `, with its period", () => {
		const env = Effect.runSync(alfworldPlugin.make(currentSpec));
		const r = env.reset({ seed: 0, split: "valid_seen", index: 1 });
		expect(r.observation.split("Your task is to: ")[1]?.trim()).toBe(r.task.instruction);
		expect(r.observation.startsWith("-= Welcome to TextWorld, ALFRED! =-\n\n")).toBe(true);
	});
});

describe("projections", () => {
	test("verl-agent: lower-cased text between the first <action> and </action>; <think> tags and no CJK for validity", () => {
		expect(P.project("<think>go</think><action> Go To Fridge 1 </action>", "step")).toEqual({
			action: "go to fridge 1",
			valid: true,
		});
		expect(P.project("<action>look</action>", "step")).toEqual({ action: "look", valid: false });
		expect(P.project("<think>去</think><action>look</action>", "step")).toEqual({ action: "look", valid: false });
		expect(P.project("<THINK>x</THINK><action>look</action>", "step").valid).toBe(false);
		const long = "I think I should Go To the fridge and then open it up";
		expect(P.project(long, "step")).toEqual({ action: long.toLowerCase().slice(-30), valid: false });
	});

	test("ETO/SPA: everything after the first `Action:`; none gives the error feedback and no env call", () => {
		expect(P.project("Thought: find it.\nAction: go to fridge 1", "chat")).toEqual({
			action: "go to fridge 1",
			valid: true,
		});
		expect(P.project("  Thought: x\nAction:look  ", "chat")).toEqual({ action: "look", valid: true });
		const none = P.project("Thought: hmm", "chat");
		expect(none.action).toBeUndefined();
		expect(P.chatObservation(none.feedback ?? "")).toBe(
			"Observation: Error Input. Your input must contains 'Action: '",
		);
	});

	test("compact: the first line, trimmed", () => {
		expect(P.project("  go to fridge 1 \nmore", "compact")).toEqual({ action: "go to fridge 1", valid: true });
		expect(P.project("   ", "compact").valid).toBe(false);
	});

	test("formatAction round-trips through each style's projection", () => {
		for (const style of ["step", "chat", "compact"] as const)
			expect(P.project(P.formatAction("take apple 1 from countertop 1", style), style)).toEqual({
				action: "take apple 1 from countertop 1",
				valid: true,
			});
	});
});

describe("ETO/SPA chat prompt", () => {
	test("instruction, OK, the toilet-paper in-context example, then the task without the banner", () => {
		const env = Effect.runSync(alfworldPlugin.make(legacySpec));
		const r = env.reset({ seed: 0, split: "train", index: 4 });
		const messages = P.chatPrefix(r.task, r.observation);
		expect(messages[0]).toEqual({ role: "user", content: spa.alfworld_instruction });
		expect(spa.alfworld_instruction).toContain("2. task {obj} from {recep}");
		expect(messages[1]).toEqual({ role: "assistant", content: "OK" });
		expect(messages.slice(2, -1)).toEqual(spa.alfworld_icl[0]);
		expect(messages[messages.length - 1]).toEqual({ role: "user", content: r.observation });
		expect(r.observation).toMatch(/^You are in the middle of a room\. .*\n\nYour task is to: .*\.$/s);
		// The banner form (verl-agent spec) gives the same task turn.
		const cur = Effect.runSync(alfworldPlugin.make(legacySpec, { intro: "banner" }));
		const r2 = cur.reset({ seed: 0, split: "train", index: 4 });
		expect(P.chatPrefix(r2.task, r2.observation).at(-1)?.content).toBe(r.observation);
	});

	test("a full chat transcript through core's EpisodeMemory", () => {
		const env = Effect.runSync(alfworldPlugin.make(legacySpec));
		const r = env.reset({ seed: 0, split: "train", index: 4 });
		const memory = new EpisodeMemory(r.task, r.observation);
		const action = env.expertAction() ?? "look";
		const s = env.step(action);
		memory.record({
			observation: r.observation,
			action,
			response: P.formatAction(action, "chat"),
			nextObservation: s.observation,
		});
		const chat = memory.chat(P);
		expect(chat.at(-1)).toEqual({ role: "user", content: `Observation: ${s.observation}` });
		expect(chat.at(-2)?.content).toBe(`Thought: The next step toward the goal is: ${action}.\nAction: ${action}`);
	});
});

describe("compact memory prompt", () => {
	const intro =
		"-= Welcome to TextWorld, ALFRED! =-\n\nYou are in the middle of a room. Looking quickly around you, you see a cabinet 3, a cabinet 2, a cabinet 1, a countertop 1, a drawer 2, a drawer 1, a fridge 1, a microwave 1, and a sinkbasin 1.\n\nYour task is to: put a hot apple in fridge.";
	const hot = { id: "t", type: "pick_heat_then_place_in_recep", instruction: "put a hot apple in fridge." };

	test("the first step: nothing held, every receptacle unseen, grouped into runs", () => {
		expect(P.compact(ctx({ task: hot, observation: intro, historyLength: 50 }))).toBe(
			"task: put a hot apple in fridge.\nhold: nothing\nat: middle of the room\nfound: none\n" +
				"unseen: cabinet 1-3, countertop 1, drawer 1-2, fridge 1, microwave 1, sinkbasin 1\nact:",
		);
	});

	test("a worked episode: contents seen, objects of other types left out, take/heat/open tracked", () => {
		const steps: Array<[string, string]> = [
			["go to cabinet 2", "You arrive at cabinet 2. The cabinet 2 is closed."],
			["open cabinet 2", "You open the cabinet 2. The cabinet 2 is open. In it, you see a bowl 1."],
			[
				"go to countertop 1",
				"You arrive at countertop 1. On the countertop 1, you see a apple 2, a apple 1, and a knife 1.",
			],
			["take apple 1 from countertop 1", "You pick up the apple 1 from the countertop 1."],
			["go to microwave 1", "You arrive at microwave 1. The microwave 1 is closed."],
			["heat apple 1 with microwave 1", "You heat the apple 1 using the microwave 1."],
			["jump", "Nothing happens."],
		];
		const observations = [intro, ...steps.map(([, o]) => o)];
		const history = steps.map(([action], i) => ({ observation: observations[i] as string, action }));
		const prompt = P.compact(
			ctx({ task: hot, observation: observations[steps.length] as string, history, stepCount: 7, historyLength: 50 }),
		);
		expect(prompt).toBe(
			"task: put a hot apple in fridge.\nhold: apple 1 (hot)\nat: microwave 1 (closed)\n" +
				"found: countertop 1: apple 2.\nunseen: cabinet 1, 3, drawer 1-2, fridge 1, microwave 1, sinkbasin 1\n" +
				"last: jump (failed)\nact:",
		);
	});

	test("the expert's episodes replay through the memory: every prompt names the held object and the location", () => {
		const env = Effect.runSync(alfworldPlugin.make(compactSpec));
		for (let index = 0; index < 20; index++) {
			const r = env.reset({ seed: 3, split: "valid_unseen", index });
			const memory = new EpisodeMemory(r.task, r.observation);
			for (let t = 0; t < compactSpec.maxSteps; t++) {
				const action = env.expertAction();
				if (action === undefined) break;
				const before = memory.observation;
				const s = env.step(action);
				memory.record({ observation: before, action, response: action, nextObservation: s.observation });
				const prompt = P.compact(memory.stepContext(compactSpec.historyLength, undefined));
				const taken = /^take (\S+ \d+) from/.exec(action);
				if (taken !== null) expect(prompt).toContain(`hold: ${taken[1]}`);
				const went = /^go to (.+)$/.exec(action);
				if (went !== null) expect(prompt).toMatch(new RegExp(`\nat: ${went[1]}( \\(|\n)`));
				if (s.terminated) break;
			}
		}
	});

	test("failed-command demonstrations: rejected commands from earlier steps, then the expert's answer under `(failed)`", () => {
		const env = withTimeLimit(Effect.runSync(alfworldPlugin.make(compactSpec)));
		const tasks = Array.from({ length: 30 }, (_, index) => ({ seed: 0, split: "train", index }));
		const clean = collectDemonstrations(env, tasks);
		expect(collectDemonstrations(env, tasks, { failures: 0 })).toEqual(clean);
		const set = collectDemonstrations(env, tasks, { failures: 0.2, noiseSeed: 3 });
		expect(set.failed).toBeGreaterThan(20);
		expect(set.perturbed).toBe(0);
		const text = (d: Demonstration) => (d.prompt.style === "chat" ? "" : d.prompt.text);
		const failedLast = set.demos.filter((d) => /\nlast: .* \(failed\)\nact:$/.test(text(d)));
		// a rejected command (or a run of them) puts the next demonstration under a `(failed)` line; the clean ones have none
		expect(failedLast.length).toBeLessThanOrEqual(set.failed);
		expect(failedLast.length).toBeGreaterThan(set.failed * 0.6);
		expect(clean.demos.some((d) => text(d).includes("(failed)"))).toBe(false);
		// the state did not change: the expert answers what it answers without the failure
		const state = (d: Demonstration) => `${d.taskId}|${text(d).replace(/\nlast: .*/, "")}`;
		const answers = new Map(clean.demos.map((d) => [state(d), d.target]));
		const same = failedLast.filter((d) => answers.get(state(d)) === d.target).length;
		expect(same).toBeGreaterThan(failedLast.length * 0.9);
		expect(set.won).toBeGreaterThanOrEqual(28);
		expect(collectDemonstrations(env, tasks, { failures: 0.2, noiseSeed: 3 })).toEqual(set);
		expect(collectDemonstrations(env, tasks, { failures: 0.2, noiseSeed: 4 }).demos).not.toEqual(set.demos);
	});

	test("runs: consecutive instance numbers collapse, gaps stay", () => {
		expect(runs(["cabinet 1", "cabinet 2", "cabinet 4", "drawer 10", "drawer 11", "sofa 1"])).toBe(
			"cabinet 1-2, 4, drawer 10-11, sofa 1",
		);
	});
});
