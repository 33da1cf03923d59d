import type { StepRows } from "@stepwise/core";
import { Schema } from "effect";
import { NonNegative, Positive, Statistics } from "./config.ts";
import { episodeAdvantages } from "./episode.ts";
import type { CreditMethod, CreditResult } from "./types.ts";

/** GRPO options (docs/credit/grpo.md). */
export interface GrpoConfig {
	/** `(e − μ)/(σ + ε)` when true (verl's `norm_adv_by_std_in_grpo`, default), else `e − μ`. */
	readonly normalizeByStd: boolean;
	/** `"rows"`: verl-agent's statistics over step rows (default); `"trajectories"`: the paper's, over N episodes. */
	readonly statistics: Statistics;
	/** Invalid-action penalty p subtracted from the row's score (0.1; 0.01 for Search). */
	readonly invalidPenalty: number;
	/** p₀ for a step that left the state unchanged (`isNoOp`; 0, verl-agent: none). */
	readonly noOpPenalty: number;
	readonly epsilon: number;
}

/** GRPO config as data: every key optional, unknown keys refused by `resolveMethodConfig`. */
export const GrpoConfigSchema = Schema.Struct({
	normalizeByStd: Schema.optionalKey(Schema.Boolean),
	statistics: Schema.optionalKey(Statistics),
	invalidPenalty: Schema.optionalKey(NonNegative),
	noOpPenalty: Schema.optionalKey(NonNegative),
	epsilon: Schema.optionalKey(Positive),
});

/** GRPO defaults (docs/credit/grpo.md). */
export const grpoDefaults: GrpoConfig = {
	normalizeByStd: true,
	statistics: "rows",
	invalidPenalty: 0.1,
	noOpPenalty: 0,
	epsilon: 1e-6,
};

/** GRPO advantage per row: the group-normalised episode score, broadcast over the row's tokens. */
export const grpo = (rows: StepRows, c: GrpoConfig = grpoDefaults): CreditResult => ({
	advantages: episodeAdvantages(rows, {
		statistics: c.statistics,
		scaleByStd: c.normalizeByStd,
		epsilon: c.epsilon,
		invalidPenalty: c.invalidPenalty,
		noOpPenalty: c.noOpPenalty,
	}),
});

/** The `grpo` entry of `creditMethods`. */
export const grpoMethod: CreditMethod<GrpoConfig> = {
	name: "grpo",
	description: "GRPO: group-normalised episode score (verl-agent row statistics by default, paper by option)",
	configSchema: GrpoConfigSchema,
	defaults: grpoDefaults,
	compute: (rows, c) => grpo(rows, c),
	trainer: "group",
	// verl-agent's GRPO: the spec's invalid-action penalty (Search 0.01, the others 0.1)
	upstream: (env) => ({ invalidPenalty: env.invalidPenalty }),
};
