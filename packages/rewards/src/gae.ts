import {
	gae,
	rowSequences,
	type StepRewardWeighting,
	type StepRows,
	tokenGae,
	tokenLayout,
	whiten,
} from "@stepwise/core";
import { Schema } from "effect";
import { NonNegative, UnitInterval } from "./config.ts";
import { rowPenalty, rowScores } from "./episode.ts";
import { CreditInputError } from "./errors.ts";
import { rewardflow } from "./rewardflow.ts";
import { spa } from "./spa.ts";
import type { CreditInputs, CreditMethod, CreditResult } from "./types.ts";

/** Where the `gae` method takes its per-step rewards from. */
export type GaeRewardSource = "env" | "episode" | "spa" | "rewardflow" | "input";

/** GAE options (docs/credit/gae.md: verl-agent's PPO and SPA's). */
export interface GaeConfig {
	/** γ (verl-agent's PPO default 1.0; SPA's trainer 0.99). */
	readonly gamma: number;
	/** λ (verl-agent 1.0; TRL 0.95). */
	readonly lambda: number;
	/** `"step"`: one element per row; `"token"`: over action tokens, rewards on each action's last token. */
	readonly level: "step" | "token";
	/**
	 * `"trajectory"` (default): the steps (tokens) of an episode form one sequence. `"row"`: every row
	 * is its own sequence (verl-agent's PPO, with `rewards: "episode"`: the outcome on the last token of each step).
	 */
	readonly sequence: "trajectory" | "row";
	/**
	 * `"env"`: env reward − p·[invalid] − p₀·[no-op]; `"episode"`: the row score
	 * R(τ) − p·[invalid] − p₀·[no-op] (verl-agent, with p₀ = 0);
	 * `"spa"` / `"rewardflow"`: those methods' step rewards at their defaults; `"input"`: `inputs.stepRewards`.
	 */
	readonly rewards: GaeRewardSource;
	readonly invalidPenalty: number;
	/** p₀ for a step that left the state unchanged (`isNoOp`; 0: none), with the `"env"` and `"episode"` sources. */
	readonly noOpPenalty: number;
	/** Token level: the reward weighting of SPA's trainer (`"steptool"`, ⚠) or none. */
	readonly weighting: StepRewardWeighting;
	/** Whiten the advantages over the batch (verl and TRL both do). */
	readonly whiten: boolean;
}

/** GAE config as data: every key optional, unknown keys refused by `resolveMethodConfig`. */
export const GaeConfigSchema = Schema.Struct({
	gamma: Schema.optionalKey(UnitInterval),
	lambda: Schema.optionalKey(UnitInterval),
	level: Schema.optionalKey(Schema.Literals(["step", "token"])),
	sequence: Schema.optionalKey(Schema.Literals(["trajectory", "row"])),
	rewards: Schema.optionalKey(Schema.Literals(["env", "episode", "spa", "rewardflow", "input"])),
	invalidPenalty: Schema.optionalKey(NonNegative),
	noOpPenalty: Schema.optionalKey(NonNegative),
	weighting: Schema.optionalKey(Schema.Literals(["none", "steptool"])),
	whiten: Schema.optionalKey(Schema.Boolean),
});

/** GAE defaults (docs/credit/gae.md). */
export const gaeDefaults: GaeConfig = {
	gamma: 1,
	lambda: 1,
	level: "step",
	sequence: "trajectory",
	rewards: "env",
	invalidPenalty: 0.1,
	noOpPenalty: 0,
	weighting: "none",
	whiten: true,
};

const rewardSources: Record<
	GaeRewardSource,
	(rows: StepRows, c: GaeConfig, inputs: CreditInputs) => ArrayLike<number>
> = {
	env: (rows, c) => {
		const r = new Float64Array(rows.size);
		for (let i = 0; i < rows.size; i++) r[i] = (rows.reward[i] as number) - rowPenalty(rows, i, c);
		return r;
	},
	episode: (rows, c) => rowScores(rows, c),
	spa: (rows) => spa(rows).stepRewards as Float64Array,
	rewardflow: (rows) => rewardflow(rows).stepRewards as Float64Array,
	input: (rows, _c, inputs) => {
		const r = inputs.stepRewards;
		if (r === undefined || r.length !== rows.size) {
			throw new CreditInputError({
				method: "gae",
				message: `gae: rewards: "input" needs inputs.stepRewards with one value per row (${rows.size})`,
			});
		}
		return r;
	},
};

const checkValues = (what: string, values: ArrayLike<number> | undefined, n: number): ArrayLike<number> => {
	if (values === undefined) return new Float64Array(n);
	if (values.length !== n) {
		throw new CreditInputError({ method: "gae", message: `gae: ${what} has ${values.length} entries, expected ${n}` });
	}
	return values;
};

/**
 * The `gae` method: per-row advantages and returns from per-step rewards and critic values
 * (`inputs.values` per row or `inputs.tokenValues` per token; zeros when absent, which makes the
 * advantages λ-discounted reward sums). At token level core places the rewards on each action's last
 * token and runs GAE over the tokens (`tokenGae`); a row's advantage and return are
 * those of its first action token (0 for a row without tokens).
 */
export const gaeCredit = (rows: StepRows, c: GaeConfig = gaeDefaults, inputs: CreditInputs = {}): CreditResult => {
	const stepRewards = Float64Array.from(rewardSources[c.rewards](rows, c, inputs));
	if (c.level === "step") {
		const values = checkValues("inputs.values", inputs.values, rows.size);
		const r = gae(stepRewards, values, rowSequences(rows, c.sequence), c);
		return { advantages: c.whiten ? whiten(r.advantages) : r.advantages, returns: r.returns, stepRewards };
	}
	const layout = tokenLayout(rows);
	const values = checkValues("inputs.tokenValues", inputs.tokenValues, layout[rows.size] as number);
	const tokens = tokenGae(rows, stepRewards, values, { ...c, layout });
	const tokenAdv = c.whiten ? whiten(tokens.advantages) : tokens.advantages;
	const advantages = new Float64Array(rows.size);
	const returns = new Float64Array(rows.size);
	for (let i = 0; i < rows.size; i++) {
		const a = layout[i] as number;
		if ((layout[i + 1] as number) > a) {
			advantages[i] = tokenAdv[a] as number;
			returns[i] = tokens.returns[a] as number;
		}
	}
	return { advantages, returns, stepRewards };
};

/** The `gae` entry of `creditMethods`. */
export const gaeMethod: CreditMethod<GaeConfig> = {
	name: "gae",
	description: "GAE for PPO over step or token sequences, step rewards on each action's last token",
	configSchema: GaeConfigSchema,
	defaults: gaeDefaults,
	compute: (rows, c, inputs) => gaeCredit(rows, c, inputs),
	requires: (c) => (c.rewards === "spa" ? ["progress"] : []),
	trainer: "ppo",
	gae: (c) => ({ scope: c.sequence === "row" ? "step" : "trajectory", gamma: c.gamma, lambda: c.lambda }),
	upstream: (env) => ({ invalidPenalty: env.invalidPenalty }),
};
