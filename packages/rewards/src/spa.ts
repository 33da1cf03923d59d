import type { StepRows } from "@stepwise/core";
import { Schema } from "effect";
import { NonNegative, UnitInterval } from "./config.ts";
import { discountedReturns, isNoOp, rowPenalty } from "./episode.ts";
import { CreditInputError } from "./errors.ts";
import type { CreditMethod, CreditResult } from "./types.ts";

/** SPA reward composition options (docs/credit/spa.md). */
export interface SpaConfig {
	/**
	 * Source of the progress term v_k. `"estimator"` (default, the paper): the step's `progress`
	 * (c_k from the progress estimator; every step must have one). `"leave-one-out"`: ⚠ the released
	 * `rl_data_org.py`, which overwrites every turn with `R_i − mean_{j≠i} R_j` of its group (a single
	 * rollout keeps R_i).
	 */
	readonly progress: "estimator" | "leave-one-out";
	/** Grounding bonus g for an executable (valid) action (0.5). */
	readonly groundingBonus: number;
	/**
	 * Which steps are grounded: `"valid"` (default) the env's `valid` flag; `"effective"` a valid step
	 * that changed the state (not `isNoOp`), the reference's "Nothing happens" test for envs such as
	 * Sokoban whose every well-formed move is valid, walls included.
	 */
	readonly grounding: "valid" | "effective";
	/** ⚠ The released code gives the last turn the bonus whatever its validity (default true). */
	readonly lastStepAlwaysGrounded: boolean;
	/** Extra penalty for an invalid action (0; the non-authoritative Qwen3 port uses 0.2). */
	readonly invalidPenalty: number;
	/** p₀ for a step that left the state unchanged (`isNoOp`; 0: none, the paper). */
	readonly noOpPenalty: number;
	/**
	 * What SPA contributes as a per-step advantage (for mixing and group-relative trainers):
	 * `"reward"` (default) r_k itself, or `"return"` the γ-discounted sum of r_j for j ≥ k.
	 * PPO uses `stepRewards` with GAE instead.
	 */
	readonly advantage: "reward" | "return";
	/** γ for `advantage: "return"`. */
	readonly gamma: number;
}

/** SPA config as data: every key optional, unknown keys refused by `resolveMethodConfig`. */
export const SpaConfigSchema = Schema.Struct({
	progress: Schema.optionalKey(Schema.Literals(["estimator", "leave-one-out"])),
	groundingBonus: Schema.optionalKey(Schema.Finite),
	grounding: Schema.optionalKey(Schema.Literals(["valid", "effective"])),
	lastStepAlwaysGrounded: Schema.optionalKey(Schema.Boolean),
	invalidPenalty: Schema.optionalKey(NonNegative),
	noOpPenalty: Schema.optionalKey(NonNegative),
	advantage: Schema.optionalKey(Schema.Literals(["reward", "return"])),
	gamma: Schema.optionalKey(UnitInterval),
});

/** SPA defaults (docs/credit/spa.md). */
export const spaDefaults: SpaConfig = {
	progress: "estimator",
	groundingBonus: 0.5,
	grounding: "valid",
	lastStepAlwaysGrounded: true,
	invalidPenalty: 0,
	noOpPenalty: 0,
	advantage: "reward",
	gamma: 1,
};

/** ⚠ The released code's v: `R_i − mean_{j≠i} R_j` over the episodes of the group, per row. */
export const leaveOneOutOutcome = (rows: StepRows): Float64Array => {
	const out = new Float64Array(rows.size);
	for (let g = 0; g < rows.groupTrajStart.length - 1; g++) {
		const k0 = rows.groupTrajStart[g] as number;
		const k1 = rows.groupTrajStart[g + 1] as number;
		const n = k1 - k0;
		let sum = 0;
		for (let k = k0; k < k1; k++) sum += rows.episodeReturn[k] as number;
		for (let k = k0; k < k1; k++) {
			const R = rows.episodeReturn[k] as number;
			const v = n === 1 ? R : R - (sum - R) / (n - 1);
			for (let i = rows.trajStart[k] as number; i < (rows.trajStart[k + 1] as number); i++) out[i] = v;
		}
	}
	return out;
};

/**
 * SPA per-step reward `r_k = v_k + g·[executable_k] − penalty·[invalid_k] − p₀·[no-op_k]` (docs/credit/spa.md), v_k the
 * progress contribution. Executability is the step's `valid` flag (the env's grounding signal; the
 * reference tests the next observation for "Nothing happens"). Throws `CreditInputError` when
 * `progress: "estimator"` and a step has no `progress`.
 */
export const spaRewards = (rows: StepRows, c: SpaConfig = spaDefaults): Float64Array => {
	let v: Float64Array;
	if (c.progress === "leave-one-out") v = leaveOneOutOutcome(rows);
	else {
		v = rows.progress;
		for (let i = 0; i < rows.size; i++) {
			if (Number.isNaN(v[i] as number)) {
				throw new CreditInputError({
					method: "spa",
					message: `spa: step t=${rows.t[i]} of trajectory "${rows.trajIds[rows.traj[i] as number]}" has no progress estimate; run the progress estimator first or use progress: "leave-one-out"`,
				});
			}
		}
	}
	const r = new Float64Array(rows.size);
	for (let i = 0; i < rows.size; i++) {
		const last = i === (rows.trajStart[(rows.traj[i] as number) + 1] as number) - 1;
		const executed = rows.valid[i] === 1 && (c.grounding === "valid" || !isNoOp(rows, i));
		const grounded = executed || (last && c.lastStepAlwaysGrounded);
		r[i] = (v[i] as number) + (grounded ? c.groundingBonus : 0) - rowPenalty(rows, i, c);
	}
	return r;
};

/** SPA: per-step rewards (for PPO) and the per-step advantage chosen by `advantage`. */
export const spa = (rows: StepRows, c: SpaConfig = spaDefaults): CreditResult => {
	const stepRewards = spaRewards(rows, c);
	const advantages =
		c.advantage === "return" ? discountedReturns(rows, stepRewards, c.gamma) : Float64Array.from(stepRewards);
	return { advantages, stepRewards };
};

/**
 * The progress estimator's training loss (docs/credit/spa.md): mean over trajectories of
 * `(Σ_k c_k − R)²`. An empty batch gives 0.
 */
export const progressLoss = (
	turnValues: ReadonlyArray<ReadonlyArray<number>>,
	outcomes: ReadonlyArray<number>,
): number => {
	if (turnValues.length === 0) return 0;
	let total = 0;
	for (let b = 0; b < turnValues.length; b++) {
		let s = 0;
		for (const c of turnValues[b] ?? []) s += c;
		const d = s - (outcomes[b] ?? 0);
		total += d * d;
	}
	return total / turnValues.length;
};

/** The `spa` entry of `creditMethods`. */
export const spaMethod: CreditMethod<SpaConfig> = {
	name: "spa",
	description: "SPA: per-step reward = progress contribution + grounding bonus for executable actions",
	configSchema: SpaConfigSchema,
	defaults: spaDefaults,
	compute: (rows, c) => spa(rows, c),
	requires: () => ["progress"],
	// SPA's released trainer: PPO with whole-trajectory GAE over the action tokens, γ 0.99, λ 0.95 (TRL's)
	trainer: "ppo",
	gae: () => ({ scope: "trajectory", gamma: 0.99, lambda: 0.95 }),
};
