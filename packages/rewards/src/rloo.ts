import type { StepRows } from "@stepwise/core";
import { Schema } from "effect";
import { NonNegative, Statistics } from "./config.ts";
import { episodeAdvantages } from "./episode.ts";
import type { CreditMethod, CreditResult } from "./types.ts";

/** RLOO options (docs/credit/rloo.md). */
export interface RlooConfig {
	/**
	 * `"rows"` (verl-agent, default): `A_i = n/(n−1)·(e_i − μ)` over the n rows of the group;
	 * `"trajectories"` (the paper): `A(τ_i) = R_i − mean_{j≠i} R_j` over the N episodes.
	 * A group of one keeps its raw score.
	 */
	readonly statistics: Statistics;
	readonly invalidPenalty: number;
	/** p₀ for a step that left the state unchanged (`isNoOp`; 0, verl-agent: none). */
	readonly noOpPenalty: number;
}

/** RLOO config as data: every key optional, unknown keys refused by `resolveMethodConfig`. */
export const RlooConfigSchema = Schema.Struct({
	statistics: Schema.optionalKey(Statistics),
	invalidPenalty: Schema.optionalKey(NonNegative),
	noOpPenalty: Schema.optionalKey(NonNegative),
});

/** RLOO defaults (docs/credit/rloo.md). */
export const rlooDefaults: RlooConfig = { statistics: "rows", invalidPenalty: 0.1, noOpPenalty: 0 };

/** RLOO advantage per row: the score minus the mean of the others in its group. */
export const rloo = (rows: StepRows, c: RlooConfig = rlooDefaults): CreditResult => ({
	advantages: episodeAdvantages(rows, {
		statistics: c.statistics,
		scaleByStd: false,
		epsilon: 0,
		invalidPenalty: c.invalidPenalty,
		noOpPenalty: c.noOpPenalty,
		leaveOneOut: true,
	}),
});

/** The `rloo` entry of `creditMethods`. */
export const rlooMethod: CreditMethod<RlooConfig> = {
	name: "rloo",
	description: "RLOO: leave-one-out baseline (verl-agent over rows by default, paper over trajectories by option)",
	configSchema: RlooConfigSchema,
	defaults: rlooDefaults,
	compute: (rows, c) => rloo(rows, c),
	trainer: "group",
	upstream: (env) => ({ invalidPenalty: env.invalidPenalty }),
};
