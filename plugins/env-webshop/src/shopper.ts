import type { Product } from "./catalogue.ts";
import { nextGoalOption, offersOption, type Session } from "./env.ts";
import type { Goal } from "./goals.ts";
import { RESULTS_PER_PAGE } from "./pages.ts";
import { compactTitle } from "./prompts.ts";
import type { World } from "./world.ts";

/**
 * The shopper expert (`expert: shopper`, the `compact-v1` default): an expert that decides only from
 * what the pages have shown, like a person shopping, where the oracle expert heads for the product the
 * goal was generated from. Demonstrations of the oracle ask a policy to pick products by what it
 * cannot see (a listing shows a title and a price; the options and most attributes are on the
 * item page), so a policy trained on them learns a blur; the shopper's choices follow from the
 * prompt. It
 *
 * - searches as the oracle does (the condensed instruction, then the product's query, its title);
 * - on a results page opens the listed product whose short title (as the compact prompt shows it:
 *   lower-cased, without the brand, 6 words) shares the most words with the condensed instruction,
 *   among those it has not opened since the search and whose listed price is within the goal's
 *   bound (ties: the higher-ranked); when every such product has been opened it turns the page;
 * - on an item page that offers every option value the goal asks for, selects them and buys;
 *   otherwise goes back (`< prev`) to try the next product. After `opens` products (the
 *   `shopperOpens` option; 1: it buys the first it opens), or on a product it opens a second time,
 *   it buys what is there (with the goal's options it offers);
 * - on a description, features or reviews page goes back.
 */

const words = (s: string): Set<string> => new Set(s.split(/[\s,]+/).filter((w) => w !== ""));

/** Words of `title` (shown as the compact prompt shows it) that occur in `goalWords`. */
const overlap = (title: string, goalWords: ReadonlySet<string>): number => {
	let n = 0;
	for (const w of words(compactTitle(title))) if (goalWords.has(w)) n++;
	return n;
};

/**
 * The shopper's next action (see the module comment); `query` is the search the oracle would type
 * now, `opens` the products it opens after a search before it buys the one in front of it.
 */
export const shopperNext = (world: World, goal: Goal, s: Session, query: string, opens: number): string | undefined => {
	const products = world.catalogue.products;
	switch (s.kind) {
		case "done":
			return undefined;
		case "search":
			return `search[${query}]`;
		case "results": {
			const goalWords = words(world.condensed(goal));
			const start = (s.page - 1) * RESULTS_PER_PAGE;
			const listed = s.results.slice(start, start + RESULTS_PER_PAGE);
			const affordable = listed.filter((i) => ((products[i] as Product).pricing[0] ?? 100) <= goal.priceUpper);
			const pool = affordable.length > 0 ? affordable : listed;
			const best = (ids: ReadonlyArray<number>): number => {
				let at = -1;
				let score = -1;
				for (const i of ids) {
					const sc = overlap((products[i] as Product).title, goalWords);
					if (sc > score) {
						at = i;
						score = sc;
					}
				}
				return at;
			};
			const fresh = best(pool.filter((i) => !s.opened.includes(i)));
			const more = s.page * RESULTS_PER_PAGE < s.results.length;
			if (s.opened.length < opens && fresh >= 0) return `click[${(products[fresh] as Product).asin.toLowerCase()}]`;
			if (s.opened.length < opens && more) return "click[next >]";
			const any = best(pool);
			return any < 0 ? "click[back to search]" : `click[${(products[any] as Product).asin.toLowerCase()}]`;
		}
		case "item": {
			const q = products[s.product] as Product;
			const again = s.opened.filter((i) => i === s.product).length >= 2;
			if (!goal.goalOptions.every((o) => offersOption(q, o)) && !again && s.opened.length < opens)
				return "click[< prev]";
			const option = nextGoalOption(q, goal, s);
			return option === undefined ? "click[buy now]" : `click[${option}]`;
		}
		case "item_sub":
			return "click[< prev]";
	}
};
