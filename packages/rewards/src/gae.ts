import { Schema } from "effect";
import { NonNegative, UnitInterval } from "./config.ts";
import { rowPenalty, rowScores } from "./episode.ts";
import { CreditInputError } from "./errors.ts";
import { rewardflow } from "./rewardflow.ts";
import type { StepRows } from "./rows.ts";
import { spa } from "./spa.ts";
import { placeStepRewards, type StepRewardWeighting, tokenLayout } from "./tokens.ts";
import type { CreditInputs, CreditMethod, CreditResult } from "./types.ts";

/**
 * Generalised advantage estimation over `rewards[start..end)` with critic `values`, no bootstrap
 * after the last element (the episode ended or was cut with R = 0, as verl-agent does):
 * `δ_t = r_t + γ·V_{t+1} − V_t`, `A_t = δ_t + γλ·A_{t+1}`, `returns = A + V`. Writes into `adv`/`ret`.
 */
export const gaeInPlace = (
	rewards: ArrayLike<number>,
	values: ArrayLike<number>,
	gamma: number,
	lambda: number,
	start: number,
	end: number,
	adv: Float64Array,
	ret: Float64Array,
): void => {
	let last = 0;
	let nextValue = 0;
	for (let t = end - 1; t >= start; t--) {
		const v = values[t] as number;
		const delta = (rewards[t] as number) + gamma * nextValue - v;
		last = delta + gamma * lambda * last;
		adv[t] = last;
		ret[t] = last + v;
		nextValue = v;
	}
};

/** GAE over one whole sequence. */
export const gae = (
	rewards: ArrayLike<number>,
	values: ArrayLike<number>,
	gamma: number,
	lambda: number,
): { readonly advantages: Float64Array; readonly returns: Float64Array } => {
	const advantages = new Float64Array(rewards.length);
	const returns = new Float64Array(rewards.length);
	gaeInPlace(rewards, values, gamma, lambda, 0, rewards.length, advantages, returns);
	return { advantages, returns };
};

/** verl's `masked_whiten` over all entries: `(x − mean)/sqrt(var + 1e-8)`, var unbiased. One entry is only centred. */
export const whiten = (x: Float64Array): Float64Array => {
	const n = x.length;
	if (n === 0) return x;
	let mean = 0;
	for (let i = 0; i < n; i++) mean += x[i] as number;
	mean /= n;
	let sq = 0;
	for (let i = 0; i < n; i++) sq += ((x[i] as number) - mean) ** 2;
	const variance = n > 1 ? sq / (n - 1) : 0;
	const scale = 1 / Math.sqrt(variance + 1e-8);
	const out = new Float64Array(n);
	for (let i = 0; i < n; i++) out[i] = ((x[i] as number) - mean) * scale;
	return out;
};

/** Where the `gae` method takes its per-step rewards from. */
export type GaeRewardSource = "env" | "episode" | "spa" | "rewardflow" | "input";

/** GAE options (CREDIT.md §1.7 PPO, §3.4 SPA's PPO). */
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

/** GAE defaults (CREDIT.md). */
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
 * The `gae` method: per-row (and at token level per-token) advantages and returns from per-step
 * rewards and critic values (`inputs.values` per row or `inputs.tokenValues` per token; zeros when
 * absent, which makes the advantages λ-discounted reward sums). At token level a row's advantage is
 * that of its first action token (0 for a row without tokens).
 */
export const gaeCredit = (rows: StepRows, c: GaeConfig = gaeDefaults, inputs: CreditInputs = {}): CreditResult => {
	const stepRewards = Float64Array.from(rewardSources[c.rewards](rows, c, inputs));
	if (c.level === "step") {
		const values = checkValues("inputs.values", inputs.values, rows.size);
		const adv = new Float64Array(rows.size);
		const ret = new Float64Array(rows.size);
		const bounds = c.sequence === "row" ? Int32Array.from({ length: rows.size + 1 }, (_, i) => i) : rows.trajStart;
		for (let s = 0; s + 1 < bounds.length; s++) {
			gaeInPlace(stepRewards, values, c.gamma, c.lambda, bounds[s] as number, bounds[s + 1] as number, adv, ret);
		}
		return { advantages: c.whiten ? whiten(adv) : adv, returns: ret, stepRewards };
	}
	const layout = tokenLayout(rows);
	const nTokens = layout[rows.size] as number;
	const values = checkValues("inputs.tokenValues", inputs.tokenValues, nTokens);
	const tokenRewards = placeStepRewards(rows, stepRewards, c.weighting, layout);
	const adv = new Float64Array(nTokens);
	const ret = new Float64Array(nTokens);
	const bounds = c.sequence === "row" ? layout : Int32Array.from(rows.trajStart, (i) => layout[i] as number);
	for (let s = 0; s + 1 < bounds.length; s++) {
		gaeInPlace(tokenRewards, values, c.gamma, c.lambda, bounds[s] as number, bounds[s + 1] as number, adv, ret);
	}
	const tokenAdv = c.whiten ? whiten(adv) : adv;
	const advantages = new Float64Array(rows.size);
	const returns = new Float64Array(rows.size);
	for (let i = 0; i < rows.size; i++) {
		const a = layout[i] as number;
		if ((layout[i + 1] as number) > a) {
			advantages[i] = tokenAdv[a] as number;
			returns[i] = ret[a] as number;
		}
	}
	return { advantages, returns, stepRewards, tokens: { advantages: tokenAdv, returns: ret } };
};

/** The `gae` entry of `creditMethods`. */
export const gaeMethod: CreditMethod<GaeConfig> = {
	name: "gae",
	description: "GAE for PPO over step or token sequences, step rewards on each action's last token",
	configSchema: GaeConfigSchema,
	defaults: gaeDefaults,
	compute: (rows, c, inputs) => gaeCredit(rows, c, inputs),
};
