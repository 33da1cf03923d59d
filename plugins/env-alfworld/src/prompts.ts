/**
 * ALFWorld prompts of both harness families, from the package's copies of the reference constants:
 * verl-agent's `ALFWORLD_TEMPLATE_NO_HIS` / `ALFWORLD_TEMPLATE` (step style, byte-exact), the
 * ETO/SPA-RL instruction + toilet-paper in-context example (chat style), a compact prompt for small
 * policies, and each harness's projection of model text to an env action.
 */
import {
	type ChatMessage,
	type EnvPrompts,
	formatTemplate,
	formatVerlHistory,
	type PromptStyle,
	type StepPromptContext,
} from "@stepwise/core";
import { compactMemoryPrompt } from "./compact.ts";
import { readData } from "./data.ts";
import { banner } from "./text.ts";

interface VerlTemplates {
	readonly ALFWORLD_TEMPLATE_NO_HIS: string;
	readonly ALFWORLD_TEMPLATE: string;
}
interface SpaPrompts {
	readonly alfworld_instruction: string;
	readonly alfworld_icl: ReadonlyArray<ReadonlyArray<ChatMessage>>;
}

const verl = readData<VerlTemplates>("verl_agent_prompt_templates.json");
const spa = readData<SpaPrompts>("spa_rl_eto_style_prompts.json");

/** verl-agent's rendering of the admissible list: quoted, joined by newline + space, `help` removed. */
export const formatAdmissible = (actions: ReadonlyArray<string>): string =>
	actions
		.filter((a) => a !== "help")
		.map((a) => `'${a}'`)
		.join("\n ");

/** verl-agent's ALFWorld prompt: no history at the first step (or with history length 0). */
export const verlStepPrompt = (ctx: StepPromptContext): string => {
	const admissible = formatAdmissible(ctx.admissibleActions ?? []);
	if (ctx.stepCount === 0 || ctx.historyLength <= 0)
		return formatTemplate(verl.ALFWORLD_TEMPLATE_NO_HIS, {
			current_observation: ctx.observation,
			admissible_actions: admissible,
		});
	return formatTemplate(verl.ALFWORLD_TEMPLATE, {
		task_description: ctx.task.instruction,
		step_count: ctx.stepCount,
		history_length: ctx.history.length,
		action_history: formatVerlHistory(ctx.history, ctx.historyStart),
		current_step: ctx.stepCount + 1,
		current_observation: ctx.observation,
		admissible_actions: admissible,
	});
};

/** The ETO/SPA task message: the first observation without the banner. */
export const chatTaskText = (firstObservation: string): string =>
	firstObservation.startsWith(banner) ? firstObservation.slice(banner.length).replace(/^\n\n/, "") : firstObservation;

/** ETO/SPA-RL chat opening: instruction, "OK", the in-context example, the task. */
export const chatPrefix = (firstObservation: string): ReadonlyArray<ChatMessage> => [
	{ role: "user", content: spa.alfworld_instruction },
	{ role: "assistant", content: "OK" },
	...(spa.alfworld_icl[0] ?? []).map((m) => ({ role: m.role, content: m.content })),
	{ role: "user", content: chatTaskText(firstObservation) },
];

/** ETO's feedback when the answer has no `Action:` (the chat observation prefix is added by `chatObservation`). */
export const chatErrorFeedback = "Error Input. Your input must contains 'Action: '";

const cjk = /[\u4e00-\u9fff]/;

/** verl-agent's `alfworld_projection`. */
export const projectStep = (text: string): { action: string; valid: boolean } => {
	const lower = text.toLowerCase();
	const start = lower.indexOf("<action>");
	const end = lower.indexOf("</action>");
	if (start === -1 || end === -1) return { action: lower.slice(-30), valid: false };
	const action = lower.slice(start + "<action>".length, end).trim();
	let valid = true;
	if (text.indexOf("<think>") === -1 || text.indexOf("</think>") === -1) valid = false;
	if (cjk.test(text)) valid = false;
	return { action, valid };
};

/** ETO/SPA's `Action:\s?(.*)` over the stripped answer (DOTALL). */
export const projectChat = (text: string): { action: string | undefined } => {
	const m = /Action:\s?([\s\S]*)/.exec(text.trim());
	return { action: m?.[1] };
};

/** The prompts and projections of an ALFWorld env. */
export const alfworldPrompts: EnvPrompts = {
	step: verlStepPrompt,
	compact: compactMemoryPrompt,
	chatPrefix: (_task, firstObservation) => chatPrefix(firstObservation),
	chatObservation: (observation) => `Observation: ${observation}`,
	project: (text: string, style: PromptStyle) => {
		if (style === "step") return projectStep(text);
		if (style === "chat") {
			const { action } = projectChat(text);
			return action === undefined
				? { action: undefined, valid: false, feedback: chatErrorFeedback }
				: { action: action.trim(), valid: true };
		}
		const action = (text.trim().split("\n")[0] ?? "").trim();
		return { action, valid: action.length > 0 };
	},
	formatAction: (action: string, style: PromptStyle) => {
		if (style === "step")
			return `<think>The next step toward the goal is: ${action}.</think>\n<action>${action}</action>`;
		if (style === "chat") return `Thought: The next step toward the goal is: ${action}.\nAction: ${action}`;
		return action;
	},
};
