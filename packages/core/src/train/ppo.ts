import type * as tf from "@tensorflow/tfjs-core";
import { tokenGae, whiten } from "../credit/tokens.ts";
import type { PolicyModel } from "../policy/policy-model.ts";
import type { TrajectoryBatch } from "../trajectory/schema.ts";
import { type FitOptions, flattenPerRow, scoreRows, toRowBatch } from "./batch.ts";
import { oldAndReference, type StepAdvantages, type UpdateContext } from "./group.ts";
import { explainedVariance, summary } from "./stats.ts";
import { runUpdate, type UpdateConfig, updateDefaults } from "./update.ts";

/** GAE settings of the PPO trainer. */
export interface PpoConfig extends UpdateConfig {
	/** γ per action token (verl-agent PPO 1.0; SPA 0.99). */
	readonly gamma: number;
	/** λ (verl-agent 1.0; TRL 0.95). */
	readonly lambda: number;
	/**
	 * `"trajectory"` (default): a trajectory's action tokens form one GAE sequence, so credit flows
	 * across steps (SPA's whole-trajectory GAE without the prompt tokens); `"step"`: every step is its
	 * own sequence (verl-agent's PPO, where each step row carries the episode outcome).
	 */
	readonly scope: "trajectory" | "step";
	/** Whiten the advantages over the batch's action tokens (verl and TRL do; default true). */
	readonly whitenAdvantages: boolean;
}

/** Defaults: verl-agent's PPO (γ = λ = 1, whitening) on the shared update defaults. */
export const ppoDefaults: PpoConfig = {
	...updateDefaults,
	gamma: 1,
	lambda: 1,
	scope: "trajectory",
	whitenAdvantages: true,
};

/** The critic of a PPO update: a separate model with its optimizer, or the policy's own value head. */
export type Critic = { readonly model: PolicyModel; readonly optimizer: tf.Optimizer } | "shared";

/**
 * One PPO-with-critic update: per-step rewards (the sparse outcome, or SPA's dense rewards) are
 * placed on each action's last token, token values come from the critic's value head (read at the
 * position that predicts each action token), GAE gives advantages and returns, advantages are
 * whitened, and `runUpdate` trains the policy (clip, dual clip, entropy, KL) and the critic
 * (clipped value loss). Returns `losses/…`, `advantages/…`, `returns/…` and `losses/explained_variance`.
 */
export const ppoUpdate = (
	ctx: UpdateContext,
	critic: Critic,
	batch: TrajectoryBatch,
	stepRewards: StepAdvantages,
	fit: FitOptions,
	config: Partial<PpoConfig> = {},
	seed = 0,
): Record<string, number> => {
	const c = { ...ppoDefaults, ...config };
	const rb = toRowBatch(batch, fit);
	const rewards = flattenPerRow(stepRewards, rb.rows.length, "ppoUpdate: stepRewards");
	const { old, ref, values: policyValues } = oldAndReference(ctx, rb, c);
	const values =
		critic === "shared"
			? policyValues
			: scoreRows(
					critic.model,
					rb,
					{ batchSize: c.scoreBatchSize, temperature: c.temperature, pad: ctx.pad ?? 0 },
					ctx.helpers,
				).values;
	const gae = tokenGae(rb.steps, rewards, values, {
		sequence: c.scope === "trajectory" ? "trajectory" : "row",
		gamma: c.gamma,
		lambda: c.lambda,
		layout: rb.tokenStart,
	});
	const advantages = c.whitenAdvantages ? whiten(gae.advantages) : gae.advantages;
	const metrics = runUpdate(
		{
			model: ctx.model,
			optimizer: ctx.optimizer,
			batch: rb,
			advantages,
			oldLogProbs: old,
			...(ref !== undefined ? { refLogProbs: ref } : {}),
			value: { returns: gae.returns, oldValues: values, ...(critic !== "shared" ? { critic } : {}) },
			seed,
			...(ctx.pad !== undefined ? { pad: ctx.pad } : {}),
			...(ctx.helpers !== undefined ? { helpers: ctx.helpers } : {}),
		},
		c,
	);
	const a = summary(gae.advantages);
	const r = summary(gae.returns);
	return {
		...metrics,
		"advantages/mean": a.mean,
		"advantages/std": a.std,
		"advantages/min": a.min,
		"advantages/max": a.max,
		"returns/mean": r.mean,
		"returns/std": r.std,
		"values/mean": summary(values).mean,
		"losses/explained_variance": explainedVariance(values, gae.returns),
		"rewards/step_mean": summary(rewards).mean,
	};
};
