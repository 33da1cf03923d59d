import {
	type Env,
	type EnvPrompts,
	type EnvSpec,
	episodeEnded,
	hashSeed,
	notReset,
	type ResetRequest,
	type ResetResult,
	type StepResult,
	unknownSplit,
} from "@stepwise/core";
import type { Product } from "./catalogue.ts";
import type { Goal } from "./goals.ts";
import { numberedActions, resolveNumber } from "./numbered.ts";
import {
	clickables,
	isProductId,
	type PageKind,
	type PageView,
	parseAction,
	RESULTS_PER_PAGE,
	renderSimple,
	type SubPage,
	verlFormat,
} from "./pages.ts";
import { type GoalOption, type GoalOptionForm, getReward, type RewardInfo } from "./reward.ts";
import { shopperNext } from "./shopper.ts";
import type { World } from "./world.ts";

/** How the env shows pages: WebShop's raw `[SEP]` text (ETO/SPA) or verl-agent's quoted reformatting. */
export type ObservationFormat = "raw" | "verl";
/** The step reward: verl-agent's `won` (1 on score 1.0; the spec's rewardScale makes it 10) or the raw score. */
export type RewardMode = "won" | "score";

/** How actions are written: WebShop's text (`click[b0…]`) or, as well, the numbers the numbered compact prompt shows. */
export type ActionForm = "text" | "numbered";

/** Per-env settings (beyond the shop). */
export interface EnvSettings {
	readonly observation: ObservationFormat;
	readonly reward: RewardMode;
	readonly goalOptionForm: GoalOptionForm;
	/** `numbered`: a bare number takes the page's numbered action and the expert answers numbers (see `numbered.ts`). */
	readonly actions: ActionForm;
	/** Which expert `expertAction` follows: the `oracle` (heads for the goal's product) or the `shopper` (see `shopper.ts`). */
	readonly expert: ExpertKind;
	/** Products the shopper expert opens after a search before it buys the one in front of it. */
	readonly shopperOpens: number;
}

/** The two experts: the oracle knows the goal's product; the shopper decides from what the pages show. */
export type ExpertKind = "oracle" | "shopper";

/** The mutable session of one episode (WebShop's session state). */
export interface Session {
	kind: PageKind;
	keywords: string | undefined;
	results: ReadonlyArray<number>;
	page: number;
	product: number;
	sub: SubPage;
	/** Selected options, name → value (insertion-ordered like Python's dict). */
	options: Map<string, string>;
	/** Products whose page was opened since the last search, in order (repeats kept): the shopper expert's memory. */
	opened: number[];
	/** The expert's query-ladder position: advanced when the current ladder query is searched. */
	ladder: number;
	score: number;
}

const freshSession = (): Session => ({
	kind: "search",
	keywords: undefined,
	results: [],
	page: 1,
	product: -1,
	sub: "Description",
	options: new Map(),
	opened: [],
	ladder: 0,
	score: 0,
});

const SUB_PAGES: Readonly<Record<string, SubPage>> = {
	description: "Description",
	features: "Features",
	reviews: "Reviews",
};

/** The page a session shows. */
export const viewOf = (world: World, goal: Goal, s: Session): PageView => {
	const instruction = goal.instruction;
	const product = (): Product => world.catalogue.products[s.product] as Product;
	switch (s.kind) {
		case "search":
			return { kind: "search", instruction };
		case "results": {
			const start = (s.page - 1) * RESULTS_PER_PAGE;
			const items = s.results.slice(start, start + RESULTS_PER_PAGE).map((i) => world.catalogue.products[i] as Product);
			return { kind: "results", instruction, page: s.page, total: s.results.length, items };
		}
		case "item":
			return { kind: "item", instruction, product: product() };
		case "item_sub":
			return { kind: "item_sub", instruction, product: product(), sub: s.sub };
		case "done":
			return { kind: "done", instruction, score: s.score };
	}
};

/** The expert's query ladder: the condensed instruction, then the product's query, then its title. */
export const expertQuery = (world: World, goal: Goal, ladder: number): string => {
	const target = world.catalogue.products[world.catalogue.byAsin.get(goal.asin) as number] as Product;
	const queries = [world.condensed(goal), target.query, target.title.toLowerCase()].filter((q) => q.trim() !== "");
	return queries[Math.min(ladder, queries.length - 1)] as string;
};

/** Whether product `q` offers goal option `o` (by name and value, as the experts select). */
export const offersOption = (q: Product, o: GoalOption): boolean =>
	q.options.some((x) => x.name === o.name && x.values.includes(o.value));

/** The goal's next option value to click on product `q` (offered, not yet selected), if any. */
export const nextGoalOption = (q: Product, goal: Goal, s: Session): string | undefined =>
	goal.goalOptions.find((o) => offersOption(q, o) && s.options.get(o.name) !== o.value)?.value;

/** The option values the expert would select on product `q` for the goal (exact name and value). */
const expertSelection = (q: Product, goal: Goal): string[] =>
	goal.goalOptions.filter((o) => offersOption(q, o)).map((o) => o.value);

const choices = new WeakMap<World, Map<string, number>>();

/**
 * The product the expert heads for among the results: the target if listed, else the first listed
 * product whose best selection scores 1.0 (it is as good as the target), else -1.
 */
export const expertChoice = (world: World, goal: Goal, s: Session, form: GoalOptionForm): number => {
	const target = world.catalogue.byAsin.get(goal.asin) as number;
	if (s.results.includes(target)) return target;
	let cache = choices.get(world);
	if (cache === undefined) {
		cache = new Map();
		choices.set(world, cache);
	}
	const key = `${goal.id}\u0000${form}\u0000${s.keywords ?? ""}`;
	let choice = cache.get(key);
	if (choice === undefined) {
		choice = -1;
		for (const i of s.results) {
			const q = world.catalogue.products[i] as Product;
			if (getReward(q, goal, q.price, expertSelection(q, goal), form).score === 1) {
				choice = i;
				break;
			}
		}
		if (cache.size > 50_000) cache.clear();
		cache.set(key, choice);
	}
	return choice;
};

/**
 * The expert (§2.6): search with the condensed instruction; on results head for the target (or,
 * when it is not listed, the first listed product that scores 1.0 just as well), paging towards
 * it; if none is listed go back and search again (the product's query, then its title); on the
 * chosen product's page click each goal option not yet selected, then `buy now`; elsewhere `< prev`.
 */
export const expertNext = (world: World, goal: Goal, s: Session, form: GoalOptionForm): string | undefined => {
	switch (s.kind) {
		case "done":
			return undefined;
		case "search":
			return `search[${expertQuery(world, goal, s.ladder)}]`;
		case "results": {
			const choice = expertChoice(world, goal, s, form);
			const pos = choice < 0 ? -1 : s.results.indexOf(choice);
			if (pos < 0) return "click[back to search]";
			const page = Math.floor(pos / RESULTS_PER_PAGE) + 1;
			if (page === s.page) return `click[${(world.catalogue.products[choice] as Product).asin.toLowerCase()}]`;
			return page > s.page ? "click[next >]" : "click[< prev]";
		}
		case "item": {
			if (s.product !== expertChoice(world, goal, s, form)) return "click[< prev]";
			const option = nextGoalOption(world.catalogue.products[s.product] as Product, goal, s);
			return option === undefined ? "click[buy now]" : `click[${option}]`;
		}
		case "item_sub":
			return "click[< prev]";
	}
};

/** A WebShop env; `page()` shows the current page (for tests and tools; not part of the `Env` contract). */
export interface WebShopEnv extends Env {
	page(): PageView | undefined;
}

/** A WebShop env over a shop. */
export const makeWebShopEnv = (spec: EnvSpec, world: World, settings: EnvSettings, prompts: EnvPrompts): WebShopEnv => {
	let goal: Goal | undefined;
	let s = freshSession();
	let started = false;
	let ended = false;
	let view: PageView | undefined;
	let raw = "";
	let shown = "";
	let clicks: string[] = [];

	const refresh = (): void => {
		const g = goal as Goal;
		view = viewOf(world, g, s);
		raw = renderSimple(view);
		shown = settings.observation === "verl" ? verlFormat(raw, g.instruction) : raw;
		clicks = clickables(view);
	};

	/**
	 * An action as this env writes it (the expert's answers, the admissible actions): in the
	 * `numbered` form the search and a product click as their numbers (long to write out: the query,
	 * a 10-character id), an option value or a button as its words (short, and found on the goal line
	 * or always the same); in the `text` form as text.
	 */
	const written = (action: string): string => {
		const clicked = /^click\[(.+)\]$/.exec(action)?.[1];
		if (
			settings.actions === "text" ||
			!(action.startsWith("search[") || (clicked !== undefined && isProductId(clicked)))
		)
			return action;
		const n = numberedActions(shown, (goal as Goal).instruction).indexOf(action);
		return n < 0 ? action : String(n + 1);
	};

	const result = (valid: boolean, reward: number, terminated: boolean, extra?: RewardInfo): StepResult => ({
		observation: shown,
		reward,
		terminated,
		truncated: false,
		info: {
			won: terminated && s.score === 1,
			valid,
			score: s.score,
			extra:
				extra === undefined
					? { page: s.kind }
					: {
							page: s.kind,
							rType: extra.rType,
							attributeMatches: extra.attributeMatches,
							optionMatches: extra.optionMatches,
							priceOk: extra.priceOk,
						},
		},
	});

	const click = (arg: string): RewardInfo | undefined => {
		if (arg === "back to search") {
			const ladder = s.ladder;
			s = freshSession();
			s.ladder = ladder;
		} else if (arg === "next >") s.page += 1;
		else if (arg === "< prev") {
			if (s.kind === "results") s.page -= 1;
			else if (s.kind === "item") {
				s.kind = "results";
				s.options = new Map();
			} else if (s.kind === "item_sub") s.kind = "item";
		} else if (SUB_PAGES[arg] !== undefined && s.kind === "item") {
			s.kind = "item_sub";
			s.sub = SUB_PAGES[arg] as SubPage;
		} else if (arg === "buy now") {
			const g = goal as Goal;
			const p = world.catalogue.products[s.product] as Product;
			const info = getReward(p, g, p.price, [...s.options.values()], settings.goalOptionForm);
			s.kind = "done";
			s.score = info.score;
			return info;
		} else if (s.kind === "results") {
			s.product = world.catalogue.byAsin.get(arg.toUpperCase()) as number;
			s.opened.push(s.product);
			s.kind = "item";
		} else {
			const p = world.catalogue.products[s.product] as Product;
			let name: string | undefined;
			for (const o of p.options) if (o.values.includes(arg)) name = o.name;
			if (name !== undefined) s.options.set(name, arg);
		}
		return undefined;
	};

	return {
		spec,
		prompts,
		page: () => view,
		reset(request: ResetRequest): ResetResult {
			if (request.split !== "train" && request.split !== "test")
				return unknownSplit(spec.id, request.split, spec.splits);
			if (!spec.splits.includes(request.split)) return unknownSplit(spec.id, request.split, spec.splits);
			const list = world.splits[request.split];
			const n = list.length;
			const offset = request.split === "train" ? hashSeed(request.seed, "webshop-train") % n : 0;
			const i = Number.isFinite(request.index) ? Math.floor(request.index) : 0;
			const id = list[(((i + offset) % n) + n) % n] as number;
			goal = world.goal(id);
			s = freshSession();
			started = true;
			ended = false;
			refresh();
			return {
				observation: shown,
				task: { id: `${request.split}/${id}`, type: goal.category, instruction: goal.instruction },
				info: { extra: { goal: id } },
			};
		},
		step(text: string): StepResult {
			if (!started) return notReset(spec.id);
			if (ended) return episodeEnded(spec.id);
			const numbered =
				settings.actions === "numbered" ? resolveNumber(text, shown, (goal as Goal).instruction) : undefined;
			if (numbered === null) return result(false, 0, false);
			const { name, arg } = parseAction(numbered ?? text);
			if (name === "search" && arg !== undefined && arg !== "") {
				s.kind = "results";
				s.keywords = arg;
				s.results = world.search(arg);
				s.page = 1;
				s.product = -1;
				s.options = new Map();
				s.opened = [];
				if (arg === expertQuery(world, goal as Goal, s.ladder)) s.ladder += 1;
				refresh();
				return result(true, 0, false);
			}
			if (name === "click" && arg !== undefined && arg !== "search" && clicks.includes(arg)) {
				const bought = click(arg);
				refresh();
				if (bought === undefined) return result(true, 0, false);
				ended = true;
				const won = bought.score === 1;
				return result(true, settings.reward === "won" ? (won ? 1 : 0) : bought.score, true, bought);
			}
			return result(false, 0, false);
		},
		admissibleActions(): ReadonlyArray<string> | undefined {
			if (!started || ended) return [];
			const out = clicks.filter((c) => c !== "search").map((c) => `click[${c}]`);
			if (view?.kind === "search") out.push(`search[${expertQuery(world, goal as Goal, s.ladder)}]`);
			return out.map(written).sort();
		},
		stateKey(): string {
			if (!started) return "";
			if (s.kind !== "item" && s.kind !== "item_sub") return raw;
			const opts = [...s.options].map(([k, v]) => `${k}=${v}`).join(";");
			return `${raw} || options: ${opts}`;
		},
		expertAction(): string | undefined {
			if (!started || ended) return undefined;
			const g = goal as Goal;
			const next =
				settings.expert === "shopper"
					? shopperNext(world, g, s, expertQuery(world, g, s.ladder), settings.shopperOpens)
					: expertNext(world, g, s, settings.goalOptionForm);
			return written(next as string);
		},
	};
};
