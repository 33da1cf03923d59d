import { compactOnly, EnvConfigError, type EnvPlugin, type EnvSpec } from "@stepwise/core";
import { Effect, Schema } from "effect";
import { makeWebShopEnv } from "./env.ts";
import { numberedPrompts } from "./numbered.ts";
import { webshopPrompts } from "./prompts.ts";
import { getWorld, type World, type WorldOptions } from "./world.ts";

/**
 * The WebShop plugin: `webshop/verl-v0` (verl-agent: synthetic instructions with appended option
 * text, quoted observations, step prompts, reward 1 on score 1.0 scaled ×10, 15 steps) and
 * `webshop/eto-v0` (ETO/SPA: human-style instructions, raw `[SEP]` observations, chat prompts,
 * the raw score as reward, 10 steps), `webshop/compact-v0` (verl-v0's shop, reward and 15 steps
 * with the compact prompt for small policies: the bare action as the answer) and `webshop/compact-v1`
 * (compact-v0 with numbered actions, where a number answers for a line of the page, and the shopper
 * expert).
 */

const Int = (lo: number, hi: number) =>
	Schema.Int.check(Schema.isGreaterThanOrEqualTo(lo), Schema.isLessThanOrEqualTo(hi));

/** The plugin's options (all have defaults in the specs). */
export const WebShopOptions = Schema.Struct({
	/** Products in the generated catalogue (1,000 by default, up to 100,000). */
	catalogueSize: Int(10, 100_000),
	/** Seed of the catalogue and of its goals. */
	catalogueSeed: Int(0, 2 ** 31 - 1),
	/** `sampled`: `goalsPerProduct` random goals per product; `combinations`: verl-agent's one goal per option combination. */
	goalMode: Schema.Literals(["sampled", "combinations"]),
	/** Goals generated per product in `sampled` mode (option values, attributes and phrasing vary). */
	goalsPerProduct: Int(1, 20),
	/** Size of the fixed test list (at most half the goals). */
	testGoals: Int(1, 1_000_000),
	/** `human`: options woven into the sentence; `synthetic`: verl-agent's appended `with name: value` text. */
	instructionStyle: Schema.Literals(["human", "synthetic"]),
	/** Goal options compared as plain values (human goals) or as `(name, value)` pairs (synthetic goals). */
	goalOptionForm: Schema.Literals(["values", "pairs"]),
	/** Observation text: WebShop's raw `[SEP]` text or verl-agent's quoted reformatting. */
	observation: Schema.Literals(["raw", "verl"]),
	/** Step reward on purchase: `won` (1 if score is 1.0) or the raw `score`. */
	reward: Schema.Literals(["won", "score"]),
	/** `numbered`: the compact prompt numbers the page's actions and a bare number takes one (compact prompt style only). */
	actions: Schema.Literals(["text", "numbered"]),
	/** Which expert the demonstrations follow: the `oracle` (heads for the goal's product) or the `shopper` (decides from what the pages show). */
	expert: Schema.Literals(["oracle", "shopper"]),
	/** Products the shopper expert opens after a search before it buys the one in front of it (1: the first it opens). */
	shopperOpens: Int(1, 10),
});
export type WebShopOptions = typeof WebShopOptions.Type;

const COMMON = {
	catalogueSize: 1000,
	catalogueSeed: 0,
	goalsPerProduct: 3,
	testGoals: 500,
	actions: "text",
	expert: "oracle",
	shopperOpens: 4,
};

/** verl-agent/GiGPO's WebShop. */
const verlSpec: EnvSpec = {
	id: "webshop/verl-v0",
	description: "WebShop as verl-agent/GiGPO runs it: step prompts, quoted pages, 10 x [score = 1], 15 steps",
	maxSteps: 15,
	historyLength: 2,
	rewardScale: 10,
	invalidPenalty: 0.1,
	promptStyle: "step",
	defaults: { contextLength: 1856, maxNewTokens: 104 },
	splits: ["train", "test"],
	options: {
		...COMMON,
		goalMode: "combinations",
		instructionStyle: "synthetic",
		goalOptionForm: "pairs",
		observation: "verl",
		reward: "won",
	},
};

/** The specs of the plugin. */
export const webshopSpecs: ReadonlyArray<EnvSpec> = [
	verlSpec,
	{
		id: "webshop/eto-v0",
		description: "WebShop as ETO/SPA-RL run it: ReAct chat with the in-context example, raw score, 10 steps",
		maxSteps: 10,
		historyLength: 2,
		rewardScale: 1,
		invalidPenalty: 0,
		promptStyle: "chat",
		defaults: { contextLength: 3840, maxNewTokens: 96 },
		splits: ["train", "test"],
		options: {
			...COMMON,
			testGoals: 200,
			goalMode: "sampled",
			instructionStyle: "human",
			goalOptionForm: "values",
			observation: "raw",
			reward: "score",
		},
	},
	{
		...verlSpec,
		id: "webshop/compact-v0",
		description:
			"WebShop as verl-v0 (synthetic goals, 10 x [score = 1], 15 steps) with the compact prompt for small policies",
		historyLength: 6,
		promptStyle: "compact",
		// prompts: mean 161, p90 365, max 431 tokens; answers at most 38 (scripts/measure-spec-lengths.ts)
		defaults: { contextLength: 448, maxNewTokens: 40 },
	},
	{
		...verlSpec,
		id: "webshop/compact-v1",
		description:
			"WebShop as compact-v0 with numbered actions (a number answers for a line of the page) and the shopper expert",
		historyLength: 15,
		promptStyle: "compact",
		options: { ...verlSpec.options, actions: "numbered", expert: "shopper" },
		// prompts: mean 194, p90 323, max 412 tokens; answers at most 12 (scripts/measure-spec-lengths.ts)
		defaults: { contextLength: 384, maxNewTokens: 16 },
	},
];

/** Decode the merged options, failing with an `EnvConfigError` that names the option at fault. */
export const decodeOptions = (
	spec: EnvSpec,
	overrides: { readonly [key: string]: unknown } | undefined,
): Effect.Effect<WebShopOptions, EnvConfigError> => {
	const merged: Record<string, unknown> = { ...spec.options, ...overrides };
	const known = new Set(Object.keys(WebShopOptions.fields));
	const unknown = Object.keys(merged).find((k) => !known.has(k));
	if (unknown !== undefined)
		return Effect.fail(
			new EnvConfigError({
				specId: spec.id,
				path: unknown,
				message: `unknown option "${unknown}" (options: ${[...known].join(", ")})`,
			}),
		);
	for (const [key, field] of Object.entries(WebShopOptions.fields)) {
		const r = Schema.decodeUnknownExit(field as Schema.Top as Schema.Codec<unknown, unknown>)(merged[key]);
		if (r._tag === "Failure")
			return Effect.fail(
				new EnvConfigError({
					specId: spec.id,
					path: key,
					message: `option ${key}: invalid value ${JSON.stringify(merged[key]) ?? String(merged[key])}`,
				}),
			);
	}
	const decoded = Schema.decodeUnknownSync(WebShopOptions)(merged);
	const compact = compactOnly(spec, "actions", decoded.actions, "numbered");
	return compact === undefined ? Effect.succeed(decoded) : Effect.fail(compact);
};

/** The shop options of decoded plugin options. */
export const worldOptions = (o: WebShopOptions): WorldOptions => ({
	catalogueSize: o.catalogueSize,
	catalogueSeed: o.catalogueSeed,
	goalMode: o.goalMode,
	goalsPerProduct: o.goalsPerProduct,
	testGoals: o.testGoals,
	instructionStyle: o.instructionStyle,
});

/** The (cached) shop a spec's env runs on, for tools and tests; throws the `EnvConfigError` on bad options. */
export const specWorld = (spec: EnvSpec, overrides: { readonly [key: string]: unknown } = {}): World =>
	getWorld(worldOptions(Effect.runSync(decodeOptions(spec, overrides))));

/** The WebShop environment plugin. */
export const webshopPlugin: EnvPlugin = {
	id: "webshop",
	description: "WebShop: find, configure and buy the product an instruction describes in a generated catalogue",
	specs: webshopSpecs,
	make: (spec, overrides) =>
		Effect.map(decodeOptions(spec, overrides), (o) => {
			const world = getWorld(worldOptions(o));
			return makeWebShopEnv(
				{ ...spec, options: { ...o } },
				world,
				{
					observation: o.observation,
					reward: o.reward,
					goalOptionForm: o.goalOptionForm,
					actions: o.actions,
					expert: o.expert,
					shopperOpens: o.shopperOpens,
				},
				o.actions === "numbered" ? numberedPrompts : webshopPrompts,
			);
		}),
};
