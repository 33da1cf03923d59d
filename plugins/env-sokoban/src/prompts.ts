/**
 * Sokoban's prompts and projections for the three styles:
 * - `step`: verl-agent's `SOKOBAN_TEMPLATE(_NO_HIS)`, byte-exact (str.format semantics), with the
 *   `[Observation n: '…', Action n: '…']` memory and verl-agent's projection rules.
 * - `chat`: an ETO/SPA-style Thought/Action chat (our design: the benchmarks have no Sokoban chat prompt).
 * - `compact`: the one-character grid, the last action and a one-line goal, for small policies.
 */
import type { EnvPrompts, HistoryEntry, Projection, PromptStyle, StepPromptContext, TaskInfo } from "@stepwise/core";
import { formatTemplate, formatVerlHistory } from "@stepwise/core";
import templates from "../data/verl_agent_prompt_templates.json" with { type: "json" };
import { toCompact, toText } from "./render.ts";

/** verl-agent's templates (Apache-2.0), read from the bundled reference copy. */
export const SOKOBAN_TEMPLATE_NO_HIS: string = templates.SOKOBAN_TEMPLATE_NO_HIS;
export const SOKOBAN_TEMPLATE: string = templates.SOKOBAN_TEMPLATE;

const LABELS: { readonly [action: string]: string } = { up: "Up", down: "Down", left: "Left", right: "Right" };

/** verl-agent's memory label of an action: `Up|Down|Left|Right`, and `Still` for anything else. */
export const actionLabel = (action: string): string => LABELS[action.trim().toLowerCase()] ?? "Still";

/** The verl-agent step prompt (no-history template on the first step or when the window is 0). */
export const stepPrompt = (ctx: StepPromptContext): string => {
	const current = toText(ctx.observation);
	if (ctx.history.length === 0) return formatTemplate(SOKOBAN_TEMPLATE_NO_HIS, { current_observation: current });
	const history: HistoryEntry[] = ctx.history.map((h) => ({
		observation: toText(h.observation),
		action: actionLabel(h.action),
	}));
	return formatTemplate(SOKOBAN_TEMPLATE, {
		step_count: ctx.stepCount,
		history_length: ctx.history.length,
		action_history: formatVerlHistory(history, ctx.historyStart),
		current_step: ctx.stepCount + 1,
		current_observation: current,
	});
};

/**
 * The compact prompt: `push X onto O`, the one-character grid and `move:` (59 characters for a 6×6
 * room). The state is Markov, so no history is shown: an earlier version added the last action,
 * which RL turned into a "repeat the last move" shortcut whose greedy rollouts walked into walls
 * until the step limit (held-out greedy success fell from 0.79 to 0.62 in 24 GiGPO iterations).
 */
export const compactPrompt = (ctx: StepPromptContext): string => `push X onto O\n${toCompact(ctx.observation)}\nmove:`;

/** The four action words. */
const ACTION_WORDS: ReadonlySet<string> = new Set(["up", "down", "left", "right"]);
/** verl-agent's projection pool, searched in this order inside `<action>…</action>`. */
const POOL = ["up", "down", "left", "right", "still"] as const;

/**
 * verl-agent's `sokoban_projection`: lower-case; the text between the first `<action>` and the first
 * `</action>`, stripped; the first of up/down/left/right/still contained in it (in that order)
 * decides. Missing tags or no match → `still` (action 0, the no-op) with valid false; a missing
 * `<think>` or `</think>` (case-sensitive, in the original text) also makes it invalid.
 */
export const projectStep = (text: string): Projection => {
	const lower = text.toLowerCase();
	const start = lower.indexOf("<action>");
	const end = lower.indexOf("</action>");
	if (start === -1 || end === -1) return { action: "still", valid: false };
	const inner = start + 8 <= end ? lower.slice(start + 8, end).trim() : "";
	const found = POOL.find((a) => inner.includes(a));
	if (found === undefined) return { action: "still", valid: false };
	const think = text.includes("<think>") && text.includes("</think>");
	return { action: found, valid: think };
};

/** The ETO harness's answer when `Action:` is missing (the env is not called). */
export const CHAT_FORMAT_ERROR = "Error Input. Your input must contains 'Action: '";

/** ETO-style: the text after the first `Action:` (its first line, trimmed, lower-cased) is the action. */
export const projectChat = (text: string): Projection => {
	const m = /Action:\s?(.*)/s.exec(text.trim());
	if (m === null) return { action: undefined, valid: false, feedback: CHAT_FORMAT_ERROR };
	const action = (m[1] ?? "").split("\n")[0]?.trim().toLowerCase().replace(/\.$/, "") ?? "";
	return { action, valid: ACTION_WORDS.has(action) };
};

/** Compact style: the answer's first line, trimmed and lower-cased, must be the bare action word. */
export const projectCompact = (text: string): Projection => {
	const action = (text.trim().split("\n")[0] ?? "").trim().toLowerCase();
	return { action, valid: ACTION_WORDS.has(action) };
};

/** The instruction of the chat style (our design, in the ETO shape). */
export const CHAT_INSTRUCTION = [
	"You are an expert agent playing Sokoban on a grid.",
	"Symbols: walls `#`, floor `_`, targets `O`, boxes `X`, you `P`, a box on a target `√`, you on a target `S`.",
	"Rules: each action moves you one cell up, down, left or right. Walking into a box pushes it one cell if the cell beyond it is floor or a target. You cannot pull boxes, and boxes cannot be pushed into walls or other boxes. Push every box onto a target to win.",
	"At each turn, reason first, then act, in this format:",
	"Thought: <your reasoning>",
	"Action: <up, down, left or right>",
].join("\n");

const EXAMPLE = ["######\n#__P##\n#_X_##\n#_O###\n#___##\n######", "######\n#_P_##\n#_X_##\n#_O###\n#___##\n######"];

const observe = (grid: string, text: boolean) => (text ? toText(grid) : grid);

/** The chat opening: instruction, "OK", a solved two-move example, then the task. */
export const chatPrefix = (task: TaskInfo, firstObservation: string) => {
	const text = firstObservation.includes("\t");
	return [
		{ role: "user" as const, content: CHAT_INSTRUCTION },
		{ role: "assistant" as const, content: "OK" },
		{
			role: "user" as const,
			content: `Task: Push every box (X) onto a target (O).\nObservation:\n${observe(EXAMPLE[0] as string, text)}`,
		},
		{
			role: "assistant" as const,
			content:
				"Thought: The box is below and to my left, and the target is right below the box. I step left to stand above the box.\nAction: left",
		},
		{ role: "user" as const, content: `Observation:\n${observe(EXAMPLE[1] as string, text)}` },
		{ role: "assistant" as const, content: "Thought: Pushing down moves the box onto the target.\nAction: down" },
		{ role: "user" as const, content: `Task: ${task.instruction}\nObservation:\n${firstObservation}` },
	];
};

/** Sokoban's `EnvPrompts`. */
export const sokobanPrompts: EnvPrompts = {
	step: stepPrompt,
	compact: compactPrompt,
	chatPrefix,
	chatObservation: (observation) => `Observation:\n${observation}`,
	project: (text: string, style: PromptStyle): Projection =>
		style === "step" ? projectStep(text) : style === "chat" ? projectChat(text) : projectCompact(text),
	formatAction: (action: string, style: PromptStyle): string =>
		style === "step"
			? `<think>I should move ${action}.</think><action>${action}</action>`
			: style === "chat"
				? `Thought: I should move ${action}.\nAction: ${action}`
				: action,
};
