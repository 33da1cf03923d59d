/**
 * @stepwise/rewards — credit assignment for multi-turn agent RL as pure functions over a batch of
 * trajectory groups: GRPO, RLOO, GiGPO, RewardFlow, SPA reward composition, GAE, and weighted mixes
 * of them. Flatten a batch with `toStepRows` (core's step rows), pick a method by name
 * (`runCredit` / `computeCredit`; `registerCreditMethod` adds one), read per-row `advantages` (and
 * `stepRewards` for PPO) and its traits (`methodTraits`: what it requires, which trainer, its GAE).
 * Methods return per-row values only: core places them on tokens.
 * Formulas and defaults follow docs/credit/README.md; where the released code departs from the paper (⚠) the
 * code is the default and the paper an option.
 */

export {
	groupCount,
	groupRowStart,
	type StepRows,
	toNested,
	toStepRows,
	trajCount,
} from "@stepwise/core";
export * from "./anchors.ts";
export * from "./config.ts";
export * from "./episode.ts";
export * from "./errors.ts";
export * from "./gae.ts";
export * from "./gigpo.ts";
export * from "./grpo.ts";
export * from "./methods.ts";
export * from "./mix.ts";
export * from "./rewardflow.ts";
export * from "./rloo.ts";
export * from "./similarity.ts";
export * from "./spa.ts";
export * from "./stats.ts";
export * from "./types.ts";
