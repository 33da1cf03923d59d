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
import { formatAvailableActions, isProductId } from "./pages.ts";
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

/** A product title as the compact prompts show it (see {@link cut}). */
export const compactTitle = (title: string): string => cut(title, COMPACT_TITLE_WORDS);

const PAGE_RE = /^Page (\d+) \(Total results: (\d+)\)$/;

/** A page as the compact prompts read it from an observation's elements. */
export type CompactPage =
	| { readonly kind: "search" }
	| {
			readonly kind: "results";
			readonly page: number;
			readonly pages: number;
			/** The navigation buttons offered, lower-cased (`< prev`, `next >`), in page order. */
			readonly nav: ReadonlyArray<string>;
			/** One per listed product: its id lower-cased (as it is clicked), its short title and its price. */
			readonly items: ReadonlyArray<{ readonly id: string; readonly title: string; readonly price: string }>;
	  }
	| {
			readonly kind: "item";
			/** The short title and the price. */
			readonly head: string;
			readonly options: ReadonlyArray<{ readonly name: string; readonly values: ReadonlyArray<string> }>;
	  }
	| { readonly kind: "other"; readonly elements: ReadonlyArray<string> };

/** Read a page's elements (either observation format, see {@link observationElements}) for the compact prompts. */
export const readCompactPage = (el: ReadonlyArray<string>): CompactPage => {
	if (el.length === 1 && el[0] === "Search") return { kind: "search" };
	const pageAt = el.findIndex((e) => PAGE_RE.test(e));
	if (el[0] === "Back to Search" && el[el.length - 1] === "Buy Now" && el.includes("Rating: N.A.")) {
		const priceAt = el.findIndex((e) => e.startsWith("Price: "));
		const options: { name: string; values: string[] }[] = [];
		for (const e of el.slice(2, priceAt - 1)) {
			if (OPTION_NAMES.has(e)) options.push({ name: e, values: [] });
			else options[options.length - 1]?.values.push(e);
		}
		const head = `${compactTitle(el[priceAt - 1] as string)} ${(el[priceAt] as string).slice(7)}`;
		return { kind: "item", head, options };
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
		const items: { id: string; title: string; price: string }[] = [];
		for (; i < el.length; i += 3)
			items.push({
				id: (el[i] as string).toLowerCase(),
				title: compactTitle(el[i + 1] ?? ""),
				price: el[i + 2] ?? "",
			});
		return { kind: "results", page: Number(m[1]), pages: Math.ceil(Number(m[2]) / 10), nav, items };
	}
	return { kind: "other", elements: el };
};

/** The compact rendering of a page's elements (see {@link compactPrompt}). */
export const compactPage = (el: ReadonlyArray<string>): string => {
	const page = readCompactPage(el);
	switch (page.kind) {
		case "search":
			return "page: search";
		case "item":
			return [
				`item: ${page.head}`,
				...page.options.map((o) => `${o.name}:${o.values.length === 0 ? "" : ` ${o.values.join(", ")}`}`),
			].join("\n");
		case "results":
			return [
				`results page ${page.page} of ${page.pages}${page.nav.length > 0 ? ` (${page.nav.join(", ")})` : ""}:`,
				...page.items.map((p) => `${p.id} ${p.title} ${p.price}`.trimEnd()),
			].join("\n");
		case "other":
			return `page: ${page.elements.map((e) => shorten(e, 8)).join(" | ")}`;
	}
};

/** The compact prompt's goal line: the instruction condensed as the expert's query is, then `under {bound}`. */
export const compactGoal = (instruction: string): string => {
	const upper = /price lower than ([0-9.]+) dollars\s*$/.exec(instruction)?.[1];
	return `${condenseQuery(instruction)}${upper === undefined ? "" : ` under ${upper}`}`;
};

/** The actions of a step history since its last search. */
export const sinceLastSearch = (actions: ReadonlyArray<string>): ReadonlyArray<string> =>
	actions.slice(actions.findLastIndex((a) => a.startsWith("search[")) + 1);

/**
 * A compact prompt's text: the goal line, the page as rendered, the last {@link COMPACT_ACTIONS} of
 * the actions since the last search (`done:`), then `action:`.
 */
export const compactText = (instruction: string, page: string, since: ReadonlyArray<string>): string => {
	const done = since.slice(-COMPACT_ACTIONS);
	return `goal: ${compactGoal(instruction)}\n${page}\n${done.length === 0 ? "" : `done: ${done.join(" ")}\n`}action:`;
};

/** A compact answer's action: its first line, trimmed. */
export const firstLine = (text: string): string => (text.trim().split("\n")[0] ?? "").trim();

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
	return compactText(ctx.task.instruction, compactPage(el), sinceLastSearch(ctx.history.map((h) => h.action)));
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

/** Whether a compact answer's first line is an action (`search[…]` or `click[…]`). */
export const isCompactAction = (line: string): boolean => ACTION_RE.test(line);

/** The thought a demonstration gives for an action (modelled on the ETO in-context example). */
const thoughtFor = (action: string): string => {
	if (action.startsWith("search[")) return "I think I should use the search bar to look for the product I need.";
	const arg = action.slice(6, -1);
	if (isProductId(arg)) return `I think I should click on the product I need, which is ${arg.toUpperCase()}.`;
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
				const action = firstLine(text);
				return { action, valid: isCompactAction(action) };
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
