/**
 * Search's prompts and projection for the three prompt styles:
 * - `step`: verl-agent's `SEARCH_TEMPLATE_NO_HIS` / `SEARCH_TEMPLATE` (byte-exact), memory rendered
 *   as `Step {n}:{action} {observation}\n` joined with `\n`; projection = verl-agent's `search_projection`.
 * - `chat`: Search-R1's transcript: one user message (the `make_prefix` instruction with the question),
 *   then assistant turns answered by the raw observation (`\n\n<information>…</information>\n\n`);
 *   projection = Search-R1's first `<search>`/`<answer>` pair. (Search has no ETO/SPA template.)
 * - `compact`: the question, the past actions, and the retrieved passages cut short; the answer is
 *   the bare action `<search>q</search>` or `<answer>a</answer>`.
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

/** The compact rendering of an observation: one `Title: text…` line per passage, or the text itself. */
export const compactObservation = (observation: string, chars: number, maxDocs = Number.POSITIVE_INFINITY): string => {
	const docs = observedDocs(observation);
	if (docs.length === 0) return observation.trim() === "" ? "(none)" : observation.trim();
	return docs
		.slice(0, maxDocs)
		.map((d) => `${d.title}: ${d.text.length > chars ? `${d.text.slice(0, chars)}…` : d.text}`)
		.join("\n");
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
 * the projections keep empty `<search></search>` / `<answer></answer>` as actions (the `-v1` specs).
 */
export const searchPrompts = (compactDocChars: number, allowEmpty = false): EnvPrompts => ({
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
		const lines = [`Q: ${ctx.task.instruction}`];
		ctx.history.forEach((h, i) => {
			lines.push(h.action);
			if (i < ctx.history.length - 1) lines.push(compactObservation(resultOf(ctx, i), 80, 1));
		});
		if (ctx.stepCount > 0) lines.push(compactObservation(ctx.observation, compactDocChars));
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
				return toProjection(parseSearchR1(text.trim(), allowEmpty));
		}
	},
	formatAction: (action, style) => (style === "compact" ? action : `<think>${thoughtFor(action)}</think>\n${action}`),
});
