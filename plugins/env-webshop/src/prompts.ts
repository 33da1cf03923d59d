import { readFileSync } from "node:fs";
import {
	type ChatMessage,
	type EnvPrompts,
	formatTemplate,
	formatVerlHistory,
	type Projection,
	type PromptStyle,
	type StepPromptContext,
	type TaskInfo,
} from "@stepwise/core";
import { formatAvailableActions } from "./pages.ts";
import { condenseQuery } from "./query.ts";

/**
 * WebShop's prompts: verl-agent's `WEBSHOP_TEMPLATE(_NO_HIS)` (byte-exact, from `data/prompts.json`),
 * ETO/SPA's chat (instruction, "OK", the l'eau d'issey in-context example, raw observations), a
 * compact prompt for small policies, and each harness's projection of model text to an action.
 */

interface PromptData {
	readonly WEBSHOP_TEMPLATE_NO_HIS: string;
	readonly WEBSHOP_TEMPLATE: string;
	readonly webshop_instruction: string;
	readonly webshop_icl: ReadonlyArray<ReadonlyArray<ChatMessage>>;
}

/** The reference prompt constants (verl-agent templates, SPA-RL/ETO instruction and ICL example). */
export const PROMPT_DATA: PromptData = JSON.parse(
	readFileSync(new URL("../data/prompts.json", import.meta.url), "utf8"),
);

/** verl-agent falls back to the no-history template when the filled prompt exceeds this many characters. */
export const MAX_PROMPT_CHARS = 13000;

/** ETO's reply when the model's answer has no `Action:` (shown as `Observation: …`). */
export const INVALID_FORMAT = "Invalid format. The input must contains 'Action: '";

/** Known option names: never option values, so the item page's elements can be classified. */
const OPTION_NAMES = new Set(["color", "size", "flavor name", "scent", "fit type", "width", "style"]);
const BUTTONS_ITEM = ["back to search", "< prev", "description", "features", "reviews", "buy now"];

/** The page elements after the instruction, from either observation format. */
export const observationElements = (observation: string, instruction: string): string[] => {
	const parts = observation.split(" [SEP] ");
	const at = parts.indexOf(instruction);
	if (at >= 0) return parts.slice(at + 1);
	if (parts.every((p) => p.length >= 2 && p.startsWith("'") && p.endsWith("'")))
		return parts.map((p) => p.slice(1, -1));
	return parts;
};

/**
 * verl-agent's available actions of the page an observation shows (`search[<your query>]` on the
 * search page, then `click[…]` per button, product link and option value, in WebShop's order).
 */
export const availableActionsFromObservation = (observation: string, instruction: string): string[] => {
	const el = observationElements(observation, instruction);
	const clicks: string[] = [];
	if (el.length === 1 && el[0] === "Search") return ["search[<your query>]", "click[search]"];
	const pageAt = el.findIndex((e) => /^Page \d+ \(Total results: \d+\)$/.test(e));
	if (el[0] === "Back to Search" && el[el.length - 1] === "Buy Now" && el.includes("Rating: N.A.")) {
		clicks.push(...BUTTONS_ITEM);
		const priceAt = el.findIndex((e) => e.startsWith("Price: "));
		for (const e of el.slice(2, priceAt - 1)) if (!OPTION_NAMES.has(e)) clicks.push(e);
	} else if (el[0] === "Back to Search" && pageAt === 1) {
		clicks.push("back to search");
		let i = 2;
		if (el[i] === "< Prev") {
			clicks.push("< prev");
			i++;
		}
		if (el[i] === "Next >") {
			clicks.push("next >");
			i++;
		}
		for (; i < el.length; i += 3) clicks.push((el[i] as string).toLowerCase());
	} else if (el[0] === "Back to Search" && el[1] === "< Prev") clicks.push("back to search", "< prev");
	return [...new Set(clicks)].map((c) => `click[${c}]`);
};

/** verl-agent's WebShop prompt for the current step. */
const stepPrompt = (ctx: StepPromptContext): string => {
	const available = formatAvailableActions(availableActionsFromObservation(ctx.observation, ctx.task.instruction));
	const noHistory = formatTemplate(PROMPT_DATA.WEBSHOP_TEMPLATE_NO_HIS, {
		task_description: ctx.task.instruction,
		current_observation: ctx.observation,
		available_actions: available,
	});
	if (ctx.stepCount === 0 || ctx.historyLength <= 0) return noHistory;
	const full = formatTemplate(PROMPT_DATA.WEBSHOP_TEMPLATE, {
		task_description: ctx.task.instruction,
		step_count: ctx.stepCount,
		history_length: ctx.history.length,
		action_history: formatVerlHistory(ctx.history, ctx.historyStart),
		current_step: ctx.stepCount + 1,
		current_observation: ctx.observation,
		available_actions: available,
	});
	return full.length > MAX_PROMPT_CHARS ? noHistory : full;
};

const shorten = (s: string, words: number): string => {
	const w = s.split(" ");
	return w.length <= words ? s : `${w.slice(0, words).join(" ")} …`;
};

/** Words of a product title the compact prompt keeps. */
export const COMPACT_TITLE_WORDS = 6;
/** Past actions the compact prompt lists (those since the last search, within the spec's history window). */
const COMPACT_ACTIONS = 6;

/** A product title as the compact prompt shows it: lower-cased, without its first word (the brand), cut to `words` words. */
const cut = (s: string, words: number): string =>
	s
		.toLowerCase()
		.split(" ")
		.slice(1, words + 1)
		.join(" ");

const PAGE_RE = /^Page (\d+) \(Total results: (\d+)\)$/;

/** The compact rendering of a page's elements (see {@link compactPrompt}). */
export const compactPage = (el: ReadonlyArray<string>): string => {
	if (el.length === 1 && el[0] === "Search") return "page: search";
	const pageAt = el.findIndex((e) => PAGE_RE.test(e));
	if (el[0] === "Back to Search" && el[el.length - 1] === "Buy Now" && el.includes("Rating: N.A.")) {
		const priceAt = el.findIndex((e) => e.startsWith("Price: "));
		const lines = [`item: ${cut(el[priceAt - 1] as string, COMPACT_TITLE_WORDS)} ${(el[priceAt] as string).slice(7)}`];
		let current: string[] | undefined;
		for (const e of el.slice(2, priceAt - 1)) {
			if (OPTION_NAMES.has(e)) {
				current = [];
				lines.push(`${e}:`);
			} else if (current !== undefined) {
				lines[lines.length - 1] += `${current.length === 0 ? " " : ", "}${e}`;
				current.push(e);
			}
		}
		return lines.join("\n");
	}
	if (el[0] === "Back to Search" && pageAt === 1) {
		const m = PAGE_RE.exec(el[1] as string) as RegExpExecArray;
		let i = 2;
		const nav: string[] = [];
		if (el[i] === "< Prev") {
			nav.push("< prev");
			i++;
		}
		if (el[i] === "Next >") {
			nav.push("next >");
			i++;
		}
		const lines = [
			`results page ${m[1]} of ${Math.ceil(Number(m[2]) / 10)}${nav.length > 0 ? ` (${nav.join(", ")})` : ""}:`,
		];
		for (; i < el.length; i += 3)
			lines.push(
				`${(el[i] as string).toLowerCase()} ${cut(el[i + 1] ?? "", COMPACT_TITLE_WORDS)} ${el[i + 2] ?? ""}`.trimEnd(),
			);
		return lines.join("\n");
	}
	return `page: ${el.map((e) => shorten(e, 8)).join(" | ")}`;
};

/**
 * The compact prompt for small policies, built only from what the agent has seen: the goal (the
 * instruction condensed as the expert's query is, plus its price bound), the current page rendered
 * short (the results as one `id title price` line per product, ids lower-cased as they are clicked,
 * titles lower-cased like the goal, without their first word (the brand) and cut to
 * {@link COMPACT_TITLE_WORDS} words; an item page as its title, price and one line per
 * option with its values; any other page as its elements, long ones cut to 8 words), and the clicks
 * made since the last search (at most 6, within the spec's history window). The answer is the bare
 * action, e.g. `click[b0abcdefgh]`.
 */
const compactPrompt = (ctx: StepPromptContext): string => {
	const el = observationElements(ctx.observation, ctx.task.instruction);
	const upper = /price lower than ([0-9.]+) dollars\s*$/.exec(ctx.task.instruction)?.[1];
	const goal = `${condenseQuery(ctx.task.instruction)}${upper === undefined ? "" : ` under ${upper}`}`;
	const actions = ctx.history.map((h) => h.action);
	const done = actions.slice(actions.findLastIndex((a) => a.startsWith("search[")) + 1).slice(-COMPACT_ACTIONS);
	return `goal: ${goal}\n${compactPage(el)}\n${done.length === 0 ? "" : `done: ${done.join(" ")}\n`}action:`;
};

/** verl-agent's `webshop_projection`. */
export const verlProjection = (text: string): Projection => {
	const lower = text.toLowerCase();
	const start = lower.indexOf("<action>");
	const end = lower.indexOf("</action>");
	if (start < 0 || end < 0) return { action: Array.from(lower).slice(-20).join(""), valid: false };
	const action = lower.slice(start + "<action>".length, end).trim();
	const valid = text.includes("<think>") && text.includes("</think>") && !/[\u4e00-\u9fff]/.test(text);
	return { action, valid };
};

/** ETO/SPA's action extraction: `Action:\s?(.*)` (DOTALL) over the stripped answer. */
export const etoProjection = (text: string): Projection => {
	const m = /Action:\s?([\s\S]*)/.exec(text.trim());
	if (m === null) return { action: undefined, valid: false, feedback: INVALID_FORMAT };
	return { action: m[1] as string, valid: true };
};

const ACTION_RE = /^(search|click)\[[^\n]+\]$/;

/** The thought a demonstration gives for an action (modelled on the ETO in-context example). */
const thoughtFor = (action: string): string => {
	if (action.startsWith("search[")) return "I think I should use the search bar to look for the product I need.";
	const arg = action.slice(6, -1);
	if (/^b0[0-9a-z]{8}$/.test(arg))
		return `I think I should click on the product I need, which is ${arg.toUpperCase()}.`;
	if (arg === "buy now") return "I think I should click on the 'Buy Now' button to purchase the product.";
	if (arg === "back to search" || arg === "< prev" || arg === "next >")
		return `I think I should click on '${arg}' to keep looking for the product I need.`;
	return `I think I should click on the '${arg}' option to select what I need.`;
};

/** The WebShop prompts and projections. */
export const webshopPrompts: EnvPrompts = {
	step: stepPrompt,
	compact: compactPrompt,
	chatPrefix(_task: TaskInfo, firstObservation: string): ReadonlyArray<ChatMessage> {
		return [
			{ role: "user", content: PROMPT_DATA.webshop_instruction },
			{ role: "assistant", content: "OK" },
			...(PROMPT_DATA.webshop_icl[0] ?? []),
			{ role: "user", content: firstObservation },
		];
	},
	chatObservation: (observation) =>
		observation === INVALID_FORMAT ? `Observation: ${observation}` : `Observation:\n${observation}`,
	project(text: string, style: PromptStyle): Projection {
		switch (style) {
			case "step":
				return verlProjection(text);
			case "chat":
				return etoProjection(text);
			case "compact": {
				const action = (text.trim().split("\n")[0] ?? "").trim();
				return { action, valid: ACTION_RE.test(action) };
			}
		}
	},
	formatAction(action: string, style: PromptStyle): string {
		switch (style) {
			case "step":
				return `<think>${thoughtFor(action)}</think>\n<action>${action}</action>`;
			case "chat":
				return `Thought: ${thoughtFor(action)}\nAction: ${action}`;
			case "compact":
				return action;
		}
	},
};
