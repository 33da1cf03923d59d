import type { Product } from "./catalogue.ts";

/**
 * WebShop's pages as text (§2.3): the "simple" observation is every visible text node of the
 * rendered HTML, stripped and joined by ` [SEP] `. We render that text directly (the hot path);
 * `html.ts` renders the same pages as HTML and `test/pages.test.ts` checks that converting that
 * HTML with WebShop's rule gives exactly this text.
 */

/** The page kinds of a session. */
export type PageKind = "search" | "results" | "item" | "item_sub" | "done";

/** The sub-pages of an item. */
export type SubPage = "Description" | "Features" | "Reviews";

/** Results per page, and how many results a query returns. */
export const RESULTS_PER_PAGE = 10;
export const TOP_K = 50;

/** What a page shows: everything the renderers need. */
export type PageView =
	| { readonly kind: "search"; readonly instruction: string }
	| {
			readonly kind: "results";
			readonly instruction: string;
			readonly page: number;
			readonly total: number;
			readonly items: ReadonlyArray<Product>;
	  }
	| { readonly kind: "item"; readonly instruction: string; readonly product: Product }
	| { readonly kind: "item_sub"; readonly instruction: string; readonly product: Product; readonly sub: SubPage }
	| { readonly kind: "done"; readonly instruction: string; readonly score: number };

/** Python's float `repr` for the score shown on the done page. */
const pyRepr = (x: number): string => (Number.isInteger(x) ? `${x}.0` : String(x));

/** The visible text elements of a page, in document order (the `[SEP]` parts). */
export const pageElements = (v: PageView): string[] => {
	const head = ["Instruction:", v.instruction];
	switch (v.kind) {
		case "search":
			return ["WebShop", ...head, "Search"];
		case "results": {
			const out = [...head, "Back to Search", `Page ${v.page} (Total results: ${v.total})`];
			if (v.page > 1) out.push("< Prev");
			out.push("Next >");
			for (const p of v.items) out.push(p.asin, p.title, p.priceText);
			return out;
		}
		case "item": {
			const out = [...head, "Back to Search", "< Prev"];
			for (const o of v.product.options) out.push(o.name, ...o.values);
			out.push(v.product.title, `Price: ${v.product.priceText}`, "Rating: N.A.");
			out.push("Description", "Features", "Reviews", "Buy Now");
			return out;
		}
		case "item_sub": {
			const out = [...head, "Back to Search", "< Prev"];
			if (v.sub === "Description") out.push(v.product.description);
			else if (v.sub === "Features") out.push(...v.product.bulletPoints);
			return out.map((s) => s.trim()).filter((s) => s !== "");
		}
		case "done":
			return [...head, "Thank you for shopping with us!", "Your score (min 0.0, max 1.0)", pyRepr(v.score)];
	}
};

/** The raw `[SEP]` observation (WebShop "simple" mode; what ETO/SPA show). */
export const renderSimple = (v: PageView): string => pageElements(v).join(" [SEP] ");

/**
 * verl-agent's reformatting: split on ` [SEP] `, drop everything up to and including the element
 * equal to the instruction, quote each remaining element, re-join (unchanged if not found).
 */
export const verlFormat = (simple: string, instruction: string): string => {
	const parts = simple.split(" [SEP] ");
	const i = parts.indexOf(instruction);
	if (i < 0) return simple;
	return parts
		.slice(i + 1)
		.map((p) => `'${p}'`)
		.join(" [SEP] ");
};

/**
 * The clickables of a page (WebShop's `get_available_actions`): lower-cased button texts in
 * document order, then product links (ASINs, lower-cased), then the raw option values.
 */
export const clickables = (v: PageView): string[] => {
	const out = new Set<string>();
	switch (v.kind) {
		case "search":
			out.add("search");
			break;
		case "results":
			out.add("back to search");
			if (v.page > 1) out.add("< prev");
			out.add("next >");
			for (const p of v.items) out.add(p.asin.toLowerCase());
			break;
		case "item":
			for (const b of ["back to search", "< prev", "description", "features", "reviews", "buy now"]) out.add(b);
			for (const o of v.product.options) for (const x of o.values) out.add(x);
			break;
		case "item_sub":
			out.add("back to search");
			out.add("< prev");
			break;
		case "done":
			break;
	}
	return [...out];
};

/** Whether a click argument is a product link: an ASIN as clicked (`b0` and 8 lower-case letters or digits). */
export const isProductId = (arg: string): boolean => /^b0[0-9a-z]{8}$/.test(arg);

/** Whether the page has the search bar (only the search page). */
export const hasSearchBar = (v: PageView): boolean => v.kind === "search";

/** verl-agent's available-action list: `search[<your query>]` (search bar) then `click[c]` per clickable. */
export const verlAvailableActions = (v: PageView): string[] => [
	...(hasSearchBar(v) ? ["search[<your query>]"] : []),
	...clickables(v).map((c) => `click[${c}]`),
];

/** verl-agent's rendering of the available actions in its prompt: `'{a}',` lines joined by `\n`. */
export const formatAvailableActions = (actions: ReadonlyArray<string>): string =>
	actions.map((a) => `'${a}',`).join("\n");

/**
 * WebShop's `parse_action`: `re.match(r'(.+)\[(.+)\]', text)` → name and (lower-cased) argument.
 * Computed in linear time with the regex's greedy semantics: neither group crosses a newline, the
 * argument ends at the line's last `]`, and the name ends at the last `[` leaving a non-empty argument.
 */
export const parseAction = (text: string): { readonly name: string; readonly arg: string | undefined } => {
	const nl = text.indexOf("\n");
	const line = nl < 0 ? text : text.slice(0, nl);
	const close = line.lastIndexOf("]");
	const open = close >= 2 ? line.lastIndexOf("[", close - 2) : -1;
	if (open < 1) return { name: text, arg: undefined };
	return { name: line.slice(0, open), arg: line.slice(open + 1, close).toLowerCase() };
};
