import type { StepRows } from "@stepwise/core";
import type { Schema } from "effect";

/**
 * What a credit method hands the trainers: per-row values only, aligned with the step rows
 * (`StepRows` of `@stepwise/core`, one entry per recorded env step; `toNested` gives
 * `[group][trajectory][step]`). Core alone puts them on tokens:
 *
 * - the group-relative update broadcasts `advantages[i]` over every action token of row i;
 * - PPO places `stepRewards[i]` on row i's last action token and runs GAE over the tokens.
 */
export interface CreditResult {
	/** Per-row scalar advantage. */
	readonly advantages: Float64Array;
	/** Per-row step reward, where the method defines one (RewardFlow r̃, SPA r_k, the env reward for GAE). */
	readonly stepRewards?: Float64Array;
	/** Per-row value targets (GAE: advantage + value, before whitening). */
	readonly returns?: Float64Array;
	/** Named intermediate per-row columns (episode/step terms, step returns, state values …) for logging and tests. */
	readonly parts?: Readonly<Record<string, Float64Array>>;
}

/** Side inputs some methods need besides the trajectories. */
export interface CreditInputs {
	/** Critic value V(s_t) per row (GAE at step level). */
	readonly values?: ArrayLike<number>;
	/** Per-row step rewards computed elsewhere (the `gae` method with `rewards: "input"`). */
	readonly stepRewards?: ArrayLike<number>;
	/** Critic value per action token, in `tokenLayout(rows)` order (GAE at token level). */
	readonly tokenValues?: ArrayLike<number>;
}

/**
 * Something a method reads from the step rows that plain rollouts do not carry: `progress`, SPA's
 * per-step progress estimate (a trainer then trains an estimator and annotates every batch with it).
 */
export type CreditRequirement = "progress";

/** The update a method trains with: `group` (per-row advantages broadcast over action tokens) or `ppo` (a critic, GAE over tokens on the per-row `stepRewards`). */
export type CreditTrainer = "group" | "ppo";

/** Token-level GAE of the PPO update: per trajectory (credit flows across steps) or per step row. */
export interface PpoGae {
	readonly scope: "trajectory" | "step";
	readonly gamma: number;
	readonly lambda: number;
	/** `steptool`: step k's reward weighted by (K − 1 − k) when placed on its last token (SPA's released trainer); default none. */
	readonly weighting?: "none" | "steptool";
}

/** verl-agent's PPO: every step row its own GAE sequence, γ = λ = 1 (for a method that names none). */
export const defaultPpoGae: PpoGae = { scope: "step", gamma: 1, lambda: 1 };

/** What a method's upstream settings depend on: the env spec's id, step limit and invalid-action penalty. */
export interface CreditEnv {
	/** The spec id, `<plugin>/<variant>-v<N>`: its plugin names the upstream script's environment. */
	readonly id: string;
	/** The rollout loop's step limit (the spec's `maxSteps`). */
	readonly maxSteps: number;
	/** The spec's penalty for an invalid action. */
	readonly invalidPenalty: number;
}

/** The plugin part of a spec id (`alfworld` of `alfworld/legacy-v0`): the key of a method's per-environment settings. */
export const envFamily = (env: CreditEnv): string => env.id.split("/")[0] ?? env.id;

/**
 * One credit-assignment method: its config Schema (every key optional; a missing key takes the
 * default), the spec's defaults, the pure computation, and its traits as data — what its rows must
 * carry (`requires`), the update it trains with (`trainer`) and that update's GAE (`gae`), so a
 * runner asks the method, never its name. Kernels are synchronous and deterministic; they throw
 * `CreditInputError` when the rows lack an input they need.
 */
export interface CreditMethod<C> {
	readonly name: string;
	/** One line for `--help` and logs. */
	readonly description: string;
	readonly configSchema: Schema.ConstraintDecoder<Partial<C>>;
	readonly defaults: C;
	readonly compute: (rows: StepRows, config: C, inputs?: CreditInputs) => CreditResult;
	/** What the rows must carry under a resolved config (none when omitted). */
	readonly requires?: (config: C) => ReadonlyArray<CreditRequirement>;
	/** The update it trains with when the trainer is not forced. */
	readonly trainer: CreditTrainer;
	/** The PPO update's GAE under a resolved config ({@link defaultPpoGae} when omitted). */
	readonly gae?: (config: C) => PpoGae;
	/**
	 * The options under which the method computes, on rollouts of `env`, what its upstream code
	 * computes with that environment's released script (step limit, γ, ε, penalties, grouping …).
	 * A trainer applies them over the defaults and under the user's own options. None when omitted.
	 */
	readonly upstream?: (env: CreditEnv) => Partial<C>;
}
