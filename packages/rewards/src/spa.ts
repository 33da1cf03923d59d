import type { StepRows } from "@stepwise/core";
import { Schema } from "effect";
import { NonNegative, UnitInterval } from "./config.ts";
import { discountedReturns, isNoOp, rowPenalty } from "./episode.ts";
import { CreditInputError } from "./errors.ts";
import { type CreditMethod, type CreditResult, envFamily } from "./types.ts";

/** SPA reward composition options (docs/credit/spa.md). */
export interface SpaConfig {
	/**
	 * Source of the progress term v_k. `"estimator"` (default, the paper): the step's `progress`
	 * (c_k from the progress estimator; every step must have one). `"leave-one-out"`: ⚠ the released
	 * `rl_data_org.py`, which overwrites every turn with `R_i − mean_{j≠i} R_j` of its group (a single
	 * rollout keeps R_i).
	 */
	readonly progress: "estimator" | "leave-one-out";
	/** Grounding weight g: what an executable action earns over one that is not (0.5, the released code's). */
	readonly groundingBonus: number;
	/**
	 * How g is paid. `"bonus"`: +g on every grounded step, as the released data preparation does
	 * (`prm/rl_data_org.py` lines 77–90) for offline PPO on stored trajectories; online, a policy that
	 * keeps making executable moves without progress then earns 0.5 a step, more than finishing.
	 * `"centred"` (default): −g on every step that is not grounded, 0 on one that is: the same
	 * difference g between an executable and a failed action at every step, and no reward that grows
	 * with the length of an episode that does nothing useful.
	 */
	readonly groundingPayment: "bonus" | "centred";
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
	/**
	 * PPO's placement of r_k: `"steptool"` weights it by (K − 1 − k) (SPA's released trainer,
	 * `ppo/step_ppotrainer.py` `compute_rewards`); `"none"` (default) places r_k as is.
	 */
	readonly weighting: "none" | "steptool";
}

/** SPA config as data: every key optional, unknown keys refused by `resolveMethodConfig`. */
export const SpaConfigSchema = Schema.Struct({
	progress: Schema.optionalKey(Schema.Literals(["estimator", "leave-one-out"])),
	groundingBonus: Schema.optionalKey(Schema.Finite),
	groundingPayment: Schema.optionalKey(Schema.Literals(["bonus", "centred"])),
	grounding: Schema.optionalKey(Schema.Literals(["valid", "effective"])),
	lastStepAlwaysGrounded: Schema.optionalKey(Schema.Boolean),
	invalidPenalty: Schema.optionalKey(NonNegative),
	noOpPenalty: Schema.optionalKey(NonNegative),
	advantage: Schema.optionalKey(Schema.Literals(["reward", "return"])),
	gamma: Schema.optionalKey(UnitInterval),
	weighting: Schema.optionalKey(Schema.Literals(["none", "steptool"])),
});

/** SPA defaults (docs/credit/spa.md). */
export const spaDefaults: SpaConfig = {
	progress: "estimator",
	groundingBonus: 0.5,
	groundingPayment: "centred",
	grounding: "valid",
	lastStepAlwaysGrounded: true,
	invalidPenalty: 0,
	noOpPenalty: 0,
	advantage: "reward",
	gamma: 1,
	weighting: "none",
};

/**
 * SPA's released offline recipe (`prm/rl_data_org.py`, `ppo/step_ppotrainer.py`): v_k the
 * leave-one-out outcome, +0.5 on every grounded step, rewards weighted by (K − 1 − k). The
 * runner's `spa-released` method, trained on the stored exploration (`train.data=exploration`).
 */
export const spaReleased: Partial<SpaConfig> = {
	progress: "leave-one-out",
	groundingPayment: "bonus",
	weighting: "steptool",
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
 * progress contribution, with `groundingPayment: "bonus"`; `"centred"` pays `g·([executable_k] − 1)` instead. Executability is the step's `valid` flag (the env's grounding signal; the
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
		const g = c.groundingPayment === "bonus" ? (grounded ? c.groundingBonus : 0) : grounded ? 0 : -c.groundingBonus;
		r[i] = (v[i] as number) + g - rowPenalty(rows, i, c);
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
	requires: (c) => (c.progress === "estimator" ? ["progress"] : []),
	// SPA's released trainer: PPO with whole-trajectory GAE over the action tokens, γ 0.99, λ 0.95 (TRL's)
	trainer: "ppo",
	gae: (c) => ({ scope: "trajectory", gamma: 0.99, lambda: 0.95, weighting: c.weighting }),
	// the released test is "Nothing happens" in the next observation: in Sokoban, whose every
	// well-formed move is valid, the move that left the state unchanged (a wall bump)
	upstream: (env) => (envFamily(env) === "sokoban" ? { grounding: "effective" } : {}),
};
