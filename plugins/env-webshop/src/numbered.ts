import type { EnvPrompts, Projection, PromptStyle, StepPromptContext } from "@stepwise/core";
import {
	type CompactPage,
	compactPage,
	compactText,
	firstLine,
	isCompactAction,
	observationElements,
	readCompactPage,
	sinceLastSearch,
	webshopPrompts,
} from "./prompts.ts";
import { condenseQuery } from "./query.ts";

/**
 * Numbered actions (the `actions: numbered` option, spec `webshop/compact-v1`): the compact prompt
 * gives each action a page offers a number and a bare number is an answer, so a small policy picks
 * the product line that matches its goal instead of copying a 10-character id out of its prompt (the
 * expert writes the search and products as numbers, option values and buttons in words: the env's
 * `written`). The numbers are read off the observation text by {@link numberedActions}, which the
 * prompt and the env both call, so they always agree:
 *
 * - search page: `1` is `search[…]` with the goal line's query (the expert's first query);
 * - results page: one number per listed product in list order (`(seen)` after those opened since
 *   the last search, within the spec's history window), then `next >`, `< prev` where offered,
 *   then `back to search`;
 * - item page: one number per option value (under its option's name), then `buy now`, `< prev`,
 *   `back to search`;
 * - description, features and reviews pages: `< prev`, `back to search`.
 *
 * Text actions (`search[…]`, `click[…]`) stay valid, so the expert's later queries (the product's
 * query, then its title) are typed out. Description, features and reviews get no number.
 */

/** The env actions a page numbers, in order: number `n` is `numberedActions(…)[n - 1]`. */
export const numberedActions = (observation: string, instruction: string): string[] =>
	numberedOf(readCompactPage(observationElements(observation, instruction)), instruction, new Set()).map(
		(a) => a.action,
	);

interface Numbered {
	readonly action: string;
	/** The line the prompt shows after the number. */
	readonly label: string;
}

const click = (arg: string, label = arg): Numbered => ({ action: `click[${arg}]`, label });

/** The numbered actions of a page; `seen` holds the ids of products opened since the last search (marked `(seen)`). */
const numberedOf = (page: CompactPage, instruction: string, seen: ReadonlySet<string>): Numbered[] => {
	switch (page.kind) {
		case "search": {
			const query = condenseQuery(instruction);
			return [{ action: `search[${query}]`, label: `search[${query}]` }];
		}
		case "results":
			return [
				...page.items.map((p) => click(p.id, `${p.title} ${p.price}${seen.has(p.id) ? " (seen)" : ""}`.trim())),
				...[...page.nav].reverse().map((n) => click(n)),
				click("back to search"),
			];
		case "item":
			return [
				...page.options.flatMap((o) => o.values.map((v) => click(v))),
				click("buy now"),
				click("< prev"),
				click("back to search"),
			];
		case "other": {
			const out: Numbered[] = [];
			if (page.elements.includes("< Prev")) out.push(click("< prev"));
			if (page.elements.includes("Back to Search")) out.push(click("back to search"));
			return out;
		}
	}
};

/** The page with its numbered lines (see the module comment). */
const numberedPage = (page: CompactPage, numbered: ReadonlyArray<Numbered>): string => {
	const line = (n: number): string => `${n + 1} ${(numbered[n] as Numbered).label}`;
	const lines: string[] = [];
	switch (page.kind) {
		case "search":
			lines.push("page: search");
			break;
		case "results":
			lines.push(`results page ${page.page} of ${page.pages}:`);
			break;
		case "item": {
			lines.push(`item: ${page.head}`);
			let n = 0;
			for (const o of page.options) {
				lines.push(`${o.name}:`);
				for (let k = 0; k < o.values.length; k++) lines.push(line(n++));
			}
			for (; n < numbered.length; n++) lines.push(line(n));
			return lines.join("\n");
		}
		case "other":
			lines.push(compactPage(page.elements));
			break;
	}
	for (let n = 0; n < numbered.length; n++) lines.push(line(n));
	return lines.join("\n");
};

/**
 * The numbered compact prompt: the goal line, the page with its numbered actions, and the actions
 * taken since the last search written out (`done: click[b0…] click[16 fl oz]`, a number resolved
 * against the page it was answered on).
 */
const numberedPrompt = (ctx: StepPromptContext): string => {
	const instruction = ctx.task.instruction;
	const page = readCompactPage(observationElements(ctx.observation, instruction));
	const resolved = ctx.history.map((h) => resolveNumber(h.action, h.observation, instruction) ?? h.action);
	const since = sinceLastSearch(resolved);
	const seen = new Set(since.filter((a) => a.startsWith("click[")).map((a) => a.slice(6, -1)));
	return compactText(instruction, numberedPage(page, numberedOf(page, instruction, seen)), since);
};

const NUMBER_RE = /^\s*(\d{1,4})\s*$/;

/**
 * The env action a numbered answer stands for on the page `observation` shows; `undefined` when the
 * text is not a number, and `null` when it is a number the page does not offer.
 */
export const resolveNumber = (text: string, observation: string, instruction: string): string | null | undefined => {
	const m = NUMBER_RE.exec(text);
	if (m === null) return undefined;
	return numberedActions(observation, instruction)[Number(m[1]) - 1] ?? null;
};

/** The compact answer's action: its first line, valid when it is a number or a `search[…]`/`click[…]` action. */
const projectNumbered = (text: string): Projection => {
	const action = firstLine(text);
	return { action, valid: NUMBER_RE.test(action) || isCompactAction(action) };
};

/** WebShop's prompts with the numbered compact prompt and its projection (the other styles as {@link webshopPrompts}). */
export const numberedPrompts: EnvPrompts = {
	...webshopPrompts,
	compact: numberedPrompt,
	project: (text: string, style: PromptStyle): Projection =>
		style === "compact" ? projectNumbered(text) : webshopPrompts.project(text, style),
};
