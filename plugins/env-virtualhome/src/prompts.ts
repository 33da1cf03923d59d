/**
 * Prompts and projections: the SPA-RL / ETO chat transcript (instruction and in-context example
 * byte-for-byte from `data/spa_rl_eto_style_prompts.json`), a verl-agent-style step prompt modelled
 * on its ALFWorld template (verl-agent has no VirtualHome template), and a compact prompt for small
 * policies (docs/environments/README.md, docs/environments/virtualhome.md).
 */
import type {
	ChatMessage,
	EnvPrompts,
	HistoryEntry,
	Projection,
	PromptStyle,
	StepPromptContext,
	TaskInfo,
} from "@stepwise/core/env/index";
import { formatVerlHistory } from "@stepwise/core/env/index";
import spaPrompts from "../data/spa_rl_eto_style_prompts.json" with { type: "json" };
import { ACTIONS, INSTRUCTED_ACTIONS } from "./parse.ts";

/** SPA-RL's VirtualHome instruction (the ALFWorld-style text listing the 27 actions). */
export const SPA_INSTRUCTION: string = spaPrompts.virtualhome_instruction;

/** SPA-RL's in-context example (Drink water), as chat messages. */
export const SPA_ICL: ReadonlyArray<ChatMessage> = (spaPrompts.virtualhome_icl[0] ?? []).map((m) => ({
	role: m.role === "assistant" ? "assistant" : "user",
	content: m.content,
}));

/** The harness's observation when the answer has no `Action:` (the step still counts). */
export const FORMAT_ERROR = "Error Input. Your input must contains 'Action: '";

/**
 * SPA's task message. The code writes `"The task is " + task + "(" + description + ")."`; the
 * in-context example shows `The task is Drink (Drink water).` (task titles carry a trailing space
 * in SPA's data), so we render the example's form.
 */
export const taskMessage = (title: string, description: string): string => `The task is ${title} (${description}).`;

/** The 27 instructed actions as the instruction writes them (`put {obj} on {recep}`). */
export const INSTRUCTED_TEMPLATES: ReadonlyArray<string> = INSTRUCTED_ACTIONS.map((name) => {
	const template = ACTIONS.find(([n]) => n === name)?.[2] ?? "";
	let i = 0;
	return template.replace(/\{\}/g, () => (i++ === 0 ? "{obj}" : "{recep}"));
});

const VERL_TAIL =
	"\n\nNow it's your turn to take an action.\nYou should first reason step-by-step about the current situation. " +
	"This reasoning process MUST be enclosed within <think> </think> tags. \nOnce you've finished your reasoning, " +
	"you should choose an admissible action for current step and present it within <action> </action> tags.\n";

/**
 * verl-agent-style step prompt for VirtualHome, built on `ALFWORLD_TEMPLATE(_NO_HIS)` with the action
 * grammar in place of the admissible list (VirtualHome has none).
 */
export const stepPrompt = (ctx: StepPromptContext): string => {
	const actions = `Your available actions are: [${INSTRUCTED_TEMPLATES.join(", ")}].`;
	if (ctx.stepCount === 0 || ctx.history.length === 0)
		return (
			"\nYou are an expert agent operating in the VirtualHome household environment.\n" +
			`${ctx.task.instruction}\nYour current observation is: ${ctx.observation}\n${actions}${VERL_TAIL}`
		);
	return (
		`\nYou are an expert agent operating in the VirtualHome household environment. ${ctx.task.instruction}\n` +
		`Prior to this step, you have already taken ${ctx.stepCount} step(s). Below are the most recent ` +
		`${ctx.history.length} observations and the corresponding actions you took: ` +
		`${formatVerlHistory(ctx.history, ctx.historyStart)}\n` +
		`You are now at step ${ctx.stepCount + 1} and your current observation is: ${ctx.observation}\n${actions}${VERL_TAIL}`
	);
};

/**
 * The compact prompt: the goal, the actions taken so far in the spec's history window (the whole
 * episode in `virtualhome/compact-v0`), the current observation, then `action:`. A household program
 * is a sequence, so the policy needs to know how far it got, not only its last action.
 */
export const compactPrompt = (ctx: StepPromptContext): string => {
	const goal = ctx.task.instruction.replace(/^The task is /, "").replace(/\.$/, "");
	const done = ctx.history.map((h: HistoryEntry) => h.action).join(", ");
	return `goal: ${goal}\n${done === "" ? "" : `done: ${done}\n`}obs: ${ctx.observation.trim() || "-"}\naction:`;
};

const CJK = /[\u4e00-\u9fff]/;

/** verl-agent's projection (ALFWorld rules: last 30 characters without tags; think tags; no CJK). */
const projectStep = (text: string): Projection => {
	const lower = text.toLowerCase();
	const start = lower.indexOf("<action>");
	const end = lower.indexOf("</action>");
	if (start === -1 || end === -1) return { action: lower.slice(-30), valid: false };
	const action = lower.slice(start + "<action>".length, end).trim();
	const valid = text.includes("<think>") && text.includes("</think>") && !CJK.test(text);
	return { action, valid };
};

/** ETO/SPA's `parse_action`: everything after the first `Action:` of the stripped answer. */
const projectChat = (text: string): Projection => {
	const m = /Action:\s?(.*)/s.exec(text.trim());
	if (m === null) return { action: undefined, valid: false, feedback: FORMAT_ERROR };
	return { action: m[1] as string, valid: true };
};

/** Compact answers: the first line, trimmed. */
const projectCompact = (text: string): Projection => {
	const action = (text.trim().split("\n")[0] ?? "").trim();
	return { action, valid: action.length > 0 };
};

const PROJECTIONS: Record<PromptStyle, (text: string) => Projection> = {
	step: projectStep,
	chat: projectChat,
	compact: projectCompact,
};

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** The prompts of every VirtualHome spec. */
export const virtualHomePrompts: EnvPrompts = {
	step: stepPrompt,
	compact: compactPrompt,
	chatPrefix: (task: TaskInfo, firstObservation: string): ReadonlyArray<ChatMessage> => [
		{ role: "user", content: SPA_INSTRUCTION },
		{ role: "assistant", content: "OK" },
		...SPA_ICL,
		{
			role: "user",
			content: firstObservation.length > 0 ? `${task.instruction}\nObservation: ${firstObservation}` : task.instruction,
		},
	],
	chatObservation: (observation) => `Observation: ${observation}`,
	project: (text, style) => {
		try {
			return PROJECTIONS[style](text);
		} catch {
			return { action: "", valid: false };
		}
	},
	formatAction: (action, style) => {
		switch (style) {
			case "step":
				return `<think>To make progress on the task, I should ${lowerFirst(action)}.</think><action>${action}</action>`;
			case "chat":
				return `Thought: To make progress on the task, I should ${lowerFirst(action)}.\nAction: ${action}`;
			case "compact":
				return action;
		}
	},
};
