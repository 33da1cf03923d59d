/**
 * Search's prompts and projection for the three prompt styles:
 * - `step`: verl-agent's `SEARCH_TEMPLATE_NO_HIS` / `SEARCH_TEMPLATE` (byte-exact), memory rendered
 *   as `Step {n}:{action} {observation}\n` joined with `\n`; projection = verl-agent's `search_projection`.
 * - `chat`: Search-R1's transcript: one user message (the `make_prefix` instruction with the question),
 *   then assistant turns answered by the raw observation (`\n\n<information>…</information>\n\n`);
 *   projection = Search-R1's first `<search>`/`<answer>` pair. (Search has no ETO/SPA template.)
 * - `compact` (for small policies): the question, then per past search its bare action and the top
 *   passage it returned, then the passages of the current result, each `Title: text` with the title's
 *   repetitions at the head of the text removed and the text cut to `compactDocChars` characters;
 *   the answer is the bare action `search[q]` or `answer[a]` (the tag form is accepted too).
 */
import {
	type EnvPrompts,
	formatTemplate,
	type HistoryEntry,
	type Projection,
	type PromptStyle,
	type StepPromptContext,
} from "@stepwise/core";
import { actionText, parseSearchR1, parseVerl } from "./actions.ts";
import { SEARCH_TEMPLATE, SEARCH_TEMPLATE_NO_HIS, searchR1Prompt, verlSearchMemory } from "./format.ts";
import { type NameMatcher, nameTable, numberNames } from "./numbered.ts";

/** One retrieved passage parsed back out of an observation. */
export interface ObservedDoc {
	readonly title: string;
	readonly text: string;
}

const SR1_DOC = /Doc \d+\(Title: "([^\n]*?)"\) ([\s\S]*?)(?=\nDoc \d+\(Title: |$)/g;
const VERL_DOC = /Doc \d+: "([^\n]*?)"\n([\s\S]*?)\n(?=Doc \d+: |$)/g;

/** Parse the passages out of a Search-R1 or verl-agent observation (empty for any other text). */
export const observedDocs = (observation: string): ObservedDoc[] => {
	const start = observation.indexOf("<information>");
	const end = observation.lastIndexOf("</information>");
	if (start < 0 || end < start) return [];
	const inner = observation.slice(start + "<information>".length, end);
	if (inner.startsWith("{")) {
		try {
			const result = (JSON.parse(inner) as { result?: unknown }).result;
			if (typeof result !== "string") return [];
			return [...result.matchAll(VERL_DOC)].map((m) => ({ title: m[1] as string, text: m[2] as string }));
		} catch {
			return [];
		}
	}
	return [...inner.matchAll(SR1_DOC)].map((m) => ({ title: m[1] as string, text: m[2] as string }));
};

/** A passage's text without the repetitions of its title at its head (the corpus opens the lead passage with it). */
const withoutTitle = (d: ObservedDoc): string => {
	let text = d.text;
	while (d.title !== "" && text.startsWith(`${d.title} `)) text = text.slice(d.title.length + 1);
	return text;
};

/**
 * The compact rendering of an observation: one `Title: text…` line per passage, or the text itself;
 * `rewrite` (numbered names) is applied to each title and text before the cut.
 */
export const compactObservation = (
	observation: string,
	chars: number,
	maxDocs = Number.POSITIVE_INFINITY,
	rewrite: (s: string) => string = (s) => s,
): string => {
	const docs = observedDocs(observation);
	if (docs.length === 0) return observation.trim() === "" ? "(none)" : observation.trim();
	return docs
		.slice(0, maxDocs)
		.map((d) => {
			const text = rewrite(withoutTitle(d));
			return `${rewrite(d.title)}: ${text.length > chars ? `${text.slice(0, chars)}…` : text}`;
		})
		.join("\n");
};

const BARE = /^(search|answer)\[([^\n]*)\]$/;

/** The compact form of an env action: `search[q]` / `answer[a]` (any other text as it is). */
export const bareAction = (action: string): string => {
	const p = parseSearchR1(action).action;
	if (p === undefined) return action;
	return p.kind === "search" ? `search[${p.query}]` : `answer[${p.answer}]`;
};

/** The compact projection: the first line as `search[q]` / `answer[a]`, else Search-R1's tag rule. */
export const projectCompact = (text: string, allowEmpty = false): Projection => {
	const line = (text.trim().split("\n")[0] ?? "").trim();
	const m = BARE.exec(line);
	if (m === null) return toProjection(parseSearchR1(text.trim(), allowEmpty));
	const content = (m[2] as string).trim();
	if (content === "" && !allowEmpty) return { action: "", valid: false };
	return {
		action: actionText(m[1] === "search" ? { kind: "search", query: content } : { kind: "answer", answer: content }),
		valid: true,
	};
};

/** The result each history step produced: the next step's observation, or the current one. */
const resultOf = (ctx: StepPromptContext, i: number): string =>
	((ctx.history[i + 1] as HistoryEntry | undefined)?.observation ?? ctx.observation) as string;

const thoughtFor = (action: string): string => {
	const p = parseSearchR1(action).action;
	if (p === undefined) return "I should act on what I know.";
	return p.kind === "search"
		? `I need more information about ${p.query}, so I will search for it.`
		: "I have enough information to answer.";
};

const toProjection = (parsed: ReturnType<typeof parseSearchR1>): Projection => ({
	action: parsed.action === undefined ? "" : actionText(parsed.action),
	valid: parsed.valid,
});

/**
 * Build the prompts; `compactDocChars` bounds each passage in the compact style; `allowEmpty` makes
 * the projections keep empty `<search></search>` / `<answer></answer>` as actions (the `-v1` specs);
 * with `names` (numbered names) the compact prompt writes every name the episode has shown as `#k`.
 */
export const searchPrompts = (compactDocChars: number, allowEmpty = false, names?: NameMatcher): EnvPrompts => ({
	step: (ctx) => {
		// verl-agent's SearchEnvironmentManager: the no-history template at reset, and always when history_length <= 0.
		if (ctx.stepCount === 0 || ctx.historyLength <= 0)
			return formatTemplate(SEARCH_TEMPLATE_NO_HIS, { task_description: ctx.task.instruction });
		const steps = ctx.history.map((h, i) => ({ action: h.action, observation: resultOf(ctx, i) }));
		return formatTemplate(SEARCH_TEMPLATE, {
			task_description: ctx.task.instruction,
			step_count: ctx.stepCount,
			memory_context: verlSearchMemory(steps, ctx.historyStart),
		});
	},
	compact: (ctx) => {
		const table =
			names === undefined
				? []
				: nameTable(names, [ctx.task.instruction, ...ctx.history.map((h) => h.observation), ctx.observation]);
		const rewrite = names === undefined ? (s: string) => s : (s: string) => numberNames(names, table, s);
		const lines = [`Q: ${rewrite(ctx.task.instruction)}`];
		ctx.history.forEach((h, i) => {
			lines.push(bareAction(h.action));
			if (i < ctx.history.length - 1) lines.push(compactObservation(resultOf(ctx, i), compactDocChars, 1, rewrite));
		});
		if (ctx.stepCount > 0)
			lines.push(compactObservation(ctx.observation, compactDocChars, Number.POSITIVE_INFINITY, rewrite));
		lines.push(">");
		return lines.join("\n");
	},
	chatPrefix: (task) => [{ role: "user", content: searchR1Prompt(task.instruction) }],
	chatObservation: (observation) => observation,
	project: (text: string, style: PromptStyle): Projection => {
		switch (style) {
			case "step":
				return toProjection(parseVerl(text, allowEmpty));
			case "chat":
				return toProjection(parseSearchR1(text, allowEmpty));
			case "compact":
				return projectCompact(text, allowEmpty);
		}
	},
	formatAction: (action, style) =>
		style === "compact" ? bareAction(action) : `<think>${thoughtFor(action)}</think>\n${action}`,
});
