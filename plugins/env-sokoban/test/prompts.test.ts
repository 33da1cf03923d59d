import { describe, expect, test } from "bun:test";
import { buildPrompt, EpisodeMemory } from "@stepwise/core";
import { Effect } from "effect";
import {
	actionLabel,
	compactPrompt,
	projectChat,
	projectCompact,
	projectStep,
	SOKOBAN_TEMPLATE,
	SOKOBAN_TEMPLATE_NO_HIS,
	sokoban6x6Spec,
	sokobanPlugin,
	stepPrompt,
	toText,
} from "../src/index.ts";

const templates = await Bun.file(new URL("../data/verl_agent_prompt_templates.json", import.meta.url)).json();
const fill = (template: string, fields: Record<string, string | number>) =>
	Object.entries(fields).reduce((t, [k, v]) => t.split(`{${k}}`).join(String(v)), template);

const make = (overrides = {}) => Effect.runSync(sokobanPlugin.make(sokoban6x6Spec, overrides));

describe("verl-agent step prompt", () => {
	test("uses the reference templates unchanged (leading newline, em dash, trailing space before the newline)", () => {
		expect(SOKOBAN_TEMPLATE_NO_HIS).toBe(templates.SOKOBAN_TEMPLATE_NO_HIS);
		expect(SOKOBAN_TEMPLATE).toBe(templates.SOKOBAN_TEMPLATE);
		expect(SOKOBAN_TEMPLATE.startsWith("\nYou are an expert agent operating in the Sokoban environment.")).toBe(true);
		expect(SOKOBAN_TEMPLATE).toContain("situation — observe");
		expect(SOKOBAN_TEMPLATE).toContain("<think> </think> tags. \nOnce");
		expect(SOKOBAN_TEMPLATE.match(/\{\w+\}/g)).toEqual([
			"{step_count}",
			"{history_length}",
			"{action_history}",
			"{current_step}",
			"{current_observation}",
		]);
	});

	test("first step: SOKOBAN_TEMPLATE_NO_HIS with the text-cell grid, byte for byte", () => {
		for (const render of ["text", "compact"]) {
			const env = make({ render });
			const first = env.reset({ seed: 0, split: "train", index: 4 });
			const memory = new EpisodeMemory(first.task, first.observation);
			const prompt = buildPrompt(env.prompts, memory, "step", 2, env.admissibleActions());
			const grid = toText(first.observation);
			expect(grid).toMatch(/^( [#_OXPS√] \t){6}\n/);
			expect(prompt).toEqual({
				style: "step",
				text: fill(templates.SOKOBAN_TEMPLATE_NO_HIS, { current_observation: grid }),
			});
		}
	});

	test("later steps: SOKOBAN_TEMPLATE with the last two [Observation n: '…', Action n: 'Up'] entries, numbered from the true step", () => {
		const env = make();
		const first = env.reset({ seed: 0, split: "train", index: 4 });
		const memory = new EpisodeMemory(first.task, first.observation);
		const answers = ["<think>x</think><action>up</action>", "garbage", "<think>y</think><action>LEFT</action>"];
		const before: string[] = [];
		const labels: string[] = [];
		for (const answer of answers) {
			const p = env.prompts.project(answer, "step");
			before.push(memory.observation);
			labels.push(actionLabel(p.action ?? ""));
			const r = env.step(p.action ?? "");
			memory.record({
				observation: memory.observation,
				action: p.action ?? "",
				response: answer,
				nextObservation: r.observation,
			});
		}
		expect(labels).toEqual(["Up", "Still", "Left"]);
		const built = buildPrompt(env.prompts, memory, "step", 2, env.admissibleActions());
		const history = `[Observation 2: '${before[1]}', Action 2: 'Still']\n[Observation 3: '${before[2]}', Action 3: 'Left']`;
		const expected = fill(templates.SOKOBAN_TEMPLATE, {
			step_count: 3,
			history_length: 2,
			action_history: history,
			current_step: 4,
			current_observation: memory.observation,
		});
		expect(built).toEqual({ style: "step", text: expected });
		expect(expected).toContain(
			"Prior to this step, you have already taken 3 step(s). Below are the most recent 2 observations",
		);
		// one step in: the window holds one entry
		const one = stepPrompt({
			...memory.stepContext(2, undefined),
			history: memory.stepContext(2, undefined).history.slice(1),
			historyStart: 3,
		});
		expect(one).toContain("the most recent 1 observations and the corresponding actions you took: [Observation 3: '");
	});

	test("projection follows verl-agent: first of up/down/left/right/still inside <action>, think tags required", () => {
		const cases: [string, string, boolean][] = [
			["<think>go</think><action>up</action>", "up", true],
			["<THINK>go</THINK><action>Right</action>", "right", false], // think tags are case-sensitive
			["<think>a</think><ACTION> Left </ACTION>", "left", true],
			["<think>a</think><action>left or up</action>", "up", true], // pool order, not text order
			["<think>a</think><action>stay still</action>", "still", true],
			["<think>a</think><action>jump</action>", "still", false],
			["<think>a</think><action>up", "still", false],
			["<action>down</action>", "down", false],
			["</action>up<action>", "still", false],
			["", "still", false],
		];
		for (const [text, action, valid] of cases) expect(projectStep(text)).toEqual({ action, valid });
	});
});

describe("compact and chat styles", () => {
	test("compact prompt: goal and one-char grid only (no history); at most 80 characters for 6x6", () => {
		const env = make();
		const first = env.reset({ seed: 2, split: "train", index: 0 });
		const memory = new EpisodeMemory(first.task, first.observation);
		const p0 = compactPrompt(memory.stepContext(2, undefined));
		expect(p0).toBe(`push X onto O\n${first.observation.replace(/[ \t]/g, "")}\nmove:`);
		expect(p0.length).toBeLessThanOrEqual(80);
		const r = env.step("right");
		memory.record({
			observation: first.observation,
			action: "right",
			response: "right",
			nextObservation: r.observation,
		});
		const p1 = compactPrompt(memory.stepContext(2, undefined));
		expect(p1).toBe(`push X onto O\n${r.observation.replace(/[ \t]/g, "")}\nmove:`);
		expect(p1.length).toBeLessThanOrEqual(80);
		expect(compactPrompt(memory.stepContext(0, undefined))).toBe(p1);
	});

	test("compact and chat projections, and formatAction round-trips in every style", () => {
		expect(projectCompact(" Up\n")).toEqual({ action: "up", valid: true });
		expect(projectCompact("up down")).toEqual({ action: "up down", valid: false });
		expect(projectChat("Thought: near.\nAction: Left.")).toEqual({ action: "left", valid: true });
		expect(projectChat("Thought: hm")).toEqual({
			action: undefined,
			valid: false,
			feedback: "Error Input. Your input must contains 'Action: '",
		});
		const env = make();
		for (const style of ["step", "chat", "compact"] as const)
			for (const a of ["up", "down", "left", "right"])
				expect(env.prompts.project(env.prompts.formatAction(a, style), style)).toEqual({ action: a, valid: true });
	});

	test("chat opening: instruction, OK, a solved example, then the task with the first observation", () => {
		const env = make();
		const first = env.reset({ seed: 0, split: "test", index: 1 });
		const chat = env.prompts.chatPrefix(first.task, first.observation);
		expect(chat.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant", "user", "assistant", "user"]);
		expect(chat[1]?.content).toBe("OK");
		expect(chat[6]?.content).toBe(`Task: ${first.task.instruction}\nObservation:\n${first.observation}`);
		expect(chat[2]?.content).toContain(toText("######\n#__P##"));
		expect(env.prompts.chatObservation("x")).toBe("Observation:\nx");
	});
});
