/**
 * @stepwise/env-webshop — WebShop over a generated catalogue: the catalogue generator, goals and
 * instructions, a BM25 search engine, WebShop's pages and actions, its exact scoring function, an
 * expert, and the verl-agent / ETO-SPA prompts.
 */
import { registerEnv } from "@stepwise/core";
import { webshopPlugin } from "./plugin.ts";

export { type Catalogue, formatPrice, generateCatalogue, type Product, pyFloat } from "./catalogue.ts";
export { expertChoice, expertNext, expertQuery, makeWebShopEnv, type WebShopEnv } from "./env.ts";
export { type Goal, type GoalMode, goalSpace, makeGoal, priceClause, splitGoals } from "./goals.ts";
export { htmlToSimpleText, renderHtml } from "./html.ts";
export { numberedActions, numberedPrompts, resolveNumber } from "./numbered.ts";
export { clickables, type PageView, parseAction, renderSimple, verlAvailableActions, verlFormat } from "./pages.ts";
export { decodeOptions, specWorld, WebShopOptions, webshopPlugin, webshopSpecs, worldOptions } from "./plugin.ts";
export { availableActionsFromObservation, etoProjection, verlProjection, webshopPrompts } from "./prompts.ts";
export { condenseQuery, learnDroppedWords } from "./query.ts";
export { getReward, normalizeColor, tokenSetRatio } from "./reward.ts";
export { buildIndex, type SearchIndex } from "./search.ts";
export { buildWorld, getWorld, type World } from "./world.ts";

/** The plugin value. */
export const plugin = webshopPlugin;
/** The Layer registering the plugin into the `EnvRegistry`. */
export const layer = registerEnv(plugin);
