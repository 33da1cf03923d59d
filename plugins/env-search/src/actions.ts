/**
 * Action parsing. An env action is the tag form `<search>{query}</search>` or `<answer>{text}</answer>`.
 * Two parsers turn model text into one, after the two reference harnesses:
 * - Search-R1 (`generation.py`): cut the response after the first `</search>` (else the first
 *   `</answer>`), then the first `<(search|answer)>(.*?)</\1>` pair decides; its content is stripped.
 * - verl-agent (`search/projection.py`): the same cut; the first `<search>…</search>` block
 *   (case-insensitive) wins, else the first answer block; invalid when none, when the raw text holds
 *   both tags, either opening tag more than once, or a CJK character (U+4E00–U+9FFF).
 *
 * Empty content (`<answer></answer>`, `<search> </search>`): both harnesses act on it. Search-R1's
 * pattern `<(search|answer)>(.*?)</\1>` matches it, so an empty answer ends the episode (and scores
 * exact match against ""), and an empty search is sent to the retriever; verl-agent's projection
 * keeps `<answer></answer>` / `<search></search>` valid. The `-v0` specs count it invalid instead
 * (`allowEmpty` false); the `-v1` specs follow the harnesses.
 */
import { pyStrip } from "./em.ts";

/** A parsed action. */
export type SearchAction =
	| { readonly kind: "search"; readonly query: string }
	| { readonly kind: "answer"; readonly answer: string };

/** A parse: the action found (if any) and whether the harness counts it valid. */
export interface ParsedAction {
	readonly action: SearchAction | undefined;
	readonly valid: boolean;
}

/** The canonical text of an action. */
export const actionText = (a: SearchAction): string =>
	a.kind === "search" ? `<search>${a.query}</search>` : `<answer>${a.answer}</answer>`;

/** Search-R1's response post-processing: keep the text up to the first `</search>`, else `</answer>`. */
export const truncateResponse = (text: string): string => {
	const s = text.indexOf("</search>");
	if (s >= 0) return text.slice(0, s + "</search>".length);
	const a = text.indexOf("</answer>");
	if (a >= 0) return text.slice(0, a + "</answer>".length);
	return text;
};

const SR1_PAIR = /<(search|answer)>([\s\S]*?)<\/\1>/;

/**
 * Search-R1's `postprocess_predictions` on a (truncated) response. Empty content is an action when
 * `allowEmpty` (as in Search-R1), else invalid (the `-v0` rule).
 */
export const parseSearchR1 = (text: string, allowEmpty = false): ParsedAction => {
	// No closing tag, no pair (and no quadratic regex scan over long garbage).
	if (!text.includes("</search>") && !text.includes("</answer>")) return { action: undefined, valid: false };
	const m = SR1_PAIR.exec(truncateResponse(text));
	if (m === null) return { action: undefined, valid: false };
	const content = pyStrip(m[2] as string);
	if (content === "" && !allowEmpty) return { action: undefined, valid: false };
	return {
		action: m[1] === "search" ? { kind: "search", query: content } : { kind: "answer", answer: content },
		valid: true,
	};
};

const V_SEARCH = /<search>([\s\S]*?)<\/search>/i;
const V_ANSWER = /<answer>([\s\S]*?)<\/answer>/i;

/** verl-agent's `_postprocess_action`: cut after the first `</search>`, else the first `</answer>`. */
const verlTrim = (text: string): string => truncateResponse(text);

/**
 * verl-agent's `search_projection` for one response. Empty content keeps the action valid when
 * `allowEmpty` (as in verl-agent), else it is invalid (the `-v0` rule).
 */
export const parseVerl = (text: string, allowEmpty = false): ParsedAction => {
	const lower = text.toLowerCase();
	if (!lower.includes("</search>") && !lower.includes("</answer>")) return { action: undefined, valid: false };
	const trimmed = verlTrim(text);
	const s = V_SEARCH.exec(trimmed);
	const a = s === null ? V_ANSWER.exec(trimmed) : null;
	let action: SearchAction | undefined;
	if (s !== null) action = { kind: "search", query: pyStrip(s[1] as string) };
	else if (a !== null) action = { kind: "answer", answer: pyStrip(a[1] as string) };
	const nSearch = (text.match(/<search>/gi) ?? []).length;
	const nAnswer = (text.match(/<answer>/gi) ?? []).length;
	const content = action === undefined ? "" : action.kind === "search" ? action.query : action.answer;
	const valid =
		action !== undefined &&
		(allowEmpty || content !== "") &&
		!(nSearch > 0 && nAnswer > 0) &&
		nSearch <= 1 &&
		nAnswer <= 1 &&
		!/[\u4e00-\u9fff]/.test(text);
	return { action, valid };
};

/** Search-R1's feedback for a response with neither a search nor an answer. */
export const INVALID_ACTION_MESSAGE =
	"\nMy previous action is invalid. If I want to search, I should put the query between <search> and </search>. If I want to give the final answer, I should put the answer between <answer> and </answer>. Let me try again.\n";
