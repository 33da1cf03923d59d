import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { hashSeed, Rng } from "@stepwise/core";
import { formatPrice } from "../src/catalogue.ts";
import { makeWebShopEnv } from "../src/env.ts";
import { htmlToSimpleText, renderHtml } from "../src/html.ts";
import {
	formatAvailableActions,
	type PageView,
	parseAction,
	renderSimple,
	verlAvailableActions,
	verlFormat,
} from "../src/pages.ts";
import { specWorld, webshopPlugin } from "../src/plugin.ts";
import { availableActionsFromObservation, webshopPrompts } from "../src/prompts.ts";

const data = (name: string): string => readFileSync(new URL(`../data/${name}`, import.meta.url), "utf8");
const expected: Record<string, string> = JSON.parse(data("expected_simple_text_obs.json"));

describe("WebShop's HTML-to-text rule", () => {
	for (const file of Object.keys(expected))
		test(`reproduces the reference observation of ${file}`, () => {
			expect(htmlToSimpleText(data(file))).toBe(expected[file] as string);
		});
});

/** Visit many pages of many episodes: random walks over the admissible actions and the expert. */
const visitedViews = (specIndex: number, episodes: number): { view: PageView; shown: string }[] => {
	const spec = webshopPlugin.specs[specIndex];
	if (spec === undefined) throw new Error("no spec");
	const world = specWorld(spec);
	const o = spec.options as {
		observation: "raw" | "verl";
		reward: "won" | "score";
		goalOptionForm: "values" | "pairs";
		actions: "text" | "numbered";
		expert: "oracle" | "shopper";
		shopperOpens: number;
	};
	const env = makeWebShopEnv(spec, world, o, webshopPrompts);
	const out: { view: PageView; shown: string }[] = [];
	const rng = new Rng(hashSeed(1, "views", specIndex));
	for (let e = 0; e < episodes; e++) {
		let shown = env.reset({ seed: 0, split: "test", index: e }).observation;
		for (let t = 0; t < 12; t++) {
			out.push({ view: env.page() as PageView, shown });
			const a = rng.chance(0.5) ? (env.expertAction() as string) : rng.pick(env.admissibleActions() ?? []);
			const step = env.step(a);
			shown = step.observation;
			if (step.terminated) {
				out.push({ view: env.page() as PageView, shown });
				break;
			}
		}
	}
	return out;
};

describe("our pages", () => {
	const views = [...visitedViews(0, 12), ...visitedViews(1, 12)];
	test("a walk visits every page kind", () => {
		expect(new Set(views.map((v) => v.view.kind))).toEqual(new Set(["search", "results", "item", "item_sub", "done"]));
	});
	test("rendered as WebShop-style HTML and converted by WebShop's rule, give our text exactly", () => {
		for (const { view } of views) expect(htmlToSimpleText(renderHtml(view))).toBe(renderSimple(view));
	});
	test("the layouts of the spec (§2.3)", () => {
		for (const { view } of views) {
			const text = renderSimple(view);
			if (view.kind === "search")
				expect(text).toBe(`WebShop [SEP] Instruction: [SEP] ${view.instruction} [SEP] Search`);
			if (view.kind === "results") {
				const nav = view.page === 1 ? "Next >" : "< Prev [SEP] Next >";
				expect(
					text.startsWith(
						`Instruction: [SEP] ${view.instruction} [SEP] Back to Search [SEP] Page ${view.page} (Total results: ${view.total}) [SEP] ${nav}`,
					),
				).toBe(true);
			}
			if (view.kind === "item")
				expect(
					text.endsWith(
						`${view.product.title} [SEP] Price: ${view.product.priceText} [SEP] Rating: N.A. [SEP] Description [SEP] Features [SEP] Reviews [SEP] Buy Now`,
					),
				).toBe(true);
		}
	});
	test("the verl-agent action list parsed back from the observation equals the page's own list", () => {
		for (const { view, shown } of views) {
			expect(availableActionsFromObservation(shown, view.instruction)).toEqual(verlAvailableActions(view));
			expect(availableActionsFromObservation(renderSimple(view), view.instruction)).toEqual(verlAvailableActions(view));
		}
	});
});

describe("verl-agent's reformatting and action list", () => {
	test("quotes the elements after the instruction", () => {
		const raw = expected["mock_parse_results_ws.html"] as string;
		const instruction =
			"i want an xx-small sized slim fit button down shirt with long sleeves. pick something in white, and price lower than 50.00 dollars";
		expect(
			verlFormat(raw, instruction).startsWith(
				"'Back to Search' [SEP] 'Page 1 (Total results: 50)' [SEP] 'Next >' [SEP] 'B09GKFNQWT' [SEP] ",
			),
		).toBe(true);
		expect(verlFormat("WebShop [SEP] Instruction: [SEP] x [SEP] Search", "x")).toBe("'Search'");
		expect(verlFormat("no instruction here", "x")).toBe("no instruction here");
		expect(availableActionsFromObservation(raw, instruction).slice(0, 4)).toEqual([
			"click[back to search]",
			"click[next >]",
			"click[b09gkfnqwt]",
			"click[b09bfy2r3r]",
		]);
		const item = expected["mock_parse_item_page_ws.html"] as string;
		expect(availableActionsFromObservation(item, instruction)).toEqual(
			[
				"back to search",
				"< prev",
				"description",
				"features",
				"reviews",
				"buy now",
				"black",
				"purple",
				"red",
				"6.5",
				"7.5",
				"8",
				"8.5",
				"9",
			].map((c) => `click[${c}]`),
		);
	});
	test("the search page offers search[<your query>] and click[search]; lines are `'a',`", () => {
		const list = verlAvailableActions({ kind: "search", instruction: "x" });
		expect(formatAvailableActions(list)).toBe("'search[<your query>]',\n'click[search]',");
	});
});

describe("parse_action", () => {
	test("re.match(r'(.+)\\[(.+)\\]') semantics, argument lower-cased", () => {
		expect(parseAction("search[Red Shoes]")).toEqual({ name: "search", arg: "red shoes" });
		expect(parseAction("click[< Prev]")).toEqual({ name: "click", arg: "< prev" });
		expect(parseAction("click[a]b]")).toEqual({ name: "click", arg: "a]b" });
		expect(parseAction("x[a[]")).toEqual({ name: "x", arg: "a[" });
		expect(parseAction("click[buy now] trailing")).toEqual({ name: "click", arg: "buy now" });
		expect(parseAction("search[]").arg).toBeUndefined();
		expect(parseAction("[x]").arg).toBeUndefined();
		expect(parseAction("click\n[x]").arg).toBeUndefined();
		expect(parseAction("click[x\n]").arg).toBeUndefined();
		expect(parseAction("a[b]\n[c]")).toEqual({ name: "a", arg: "b" });
	});
});

describe("prices", () => {
	test("Python float formatting", () => {
		expect(formatPrice([64.98])).toBe("$64.98");
		expect(formatPrice([10])).toBe("$10.0");
		expect(formatPrice([])).toBe("$100.0");
		expect(formatPrice([24.49, 39.99])).toBe("$24.49 to $39.99");
	});
});
