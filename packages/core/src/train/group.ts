import type * as tf from "@tensorflow/tfjs-core";
import { broadcastToTokens } from "../credit/tokens.ts";
import type { PolicyModel } from "../policy/policy-model.ts";
import type { TrajectoryBatch } from "../trajectory/schema.ts";
import { type FitOptions, flattenPerRow, type RowBatch, scoreRows, toRowBatch } from "./batch.ts";
import type { GradientHelpers } from "./chunk-loss.ts";
import { summary } from "./stats.ts";
import { runUpdate, type UpdateConfig, updateDefaults } from "./update.ts";

/**
 * Per-step advantages aligned with a batch's steps: a flat per-row array in the order of
 * `toStepRows(batch)` (what every credit method reads and returns) or the nested
 * `[group][trajectory][step]` shape.
 */
export type StepAdvantages = ArrayLike<number> | ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>>;

/**
 * What a credit method hands the trainers, per step row only (core places them on tokens):
 * advantages for group-relative updates, and step rewards for PPO.
 */
export interface StepCredit {
	readonly advantages: StepAdvantages;
	readonly stepRewards?: StepAdvantages;
}

/** The models and optimizer an update works on. */
export interface UpdateContext {
	/** The learner (also the rollout policy: both are the same weights, so they stay in sync). */
	readonly model: PolicyModel;
	readonly optimizer: tf.Optimizer;
	/** Frozen reference policy for the KL loss (e.g. the SFT checkpoint); omitted: no KL term. */
	readonly reference?: PolicyModel;
	/** Padding id (the tokenizer's `pad`). */
	readonly pad?: number;
	/** Threads that compute shares of the policy gradient (e.g. the rollout workers); the same update either way. */
	readonly helpers?: GradientHelpers;
}

/** Scores needed by both trainers: old log-probs (recomputed or recorded) and reference log-probs. */
export const oldAndReference = (
	ctx: UpdateContext,
	rb: RowBatch,
	config: UpdateConfig,
): { old: Float32Array; ref: Float32Array | undefined; values: Float32Array } => {
	const options = { batchSize: config.scoreBatchSize, temperature: config.temperature, pad: ctx.pad ?? 0 };
	const scores = scoreRows(ctx.model, rb, options, ctx.helpers);
	let old = scores.logProbs;
	if (config.oldLogProbs === "rollout") {
		old = new Float32Array(scores.logProbs.length);
		rb.trajectories.forEach((tr, k) => {
			tr.steps.forEach((s, j) => {
				const row = (rb.trajStart[k] as number) + j;
				old.set(s.logProbs.slice(0, s.actionIds.length), rb.tokenStart[row] as number);
			});
		});
	}
	const ref =
		config.klCoef > 0 && ctx.reference !== undefined
			? scoreRows(ctx.reference, rb, options, ctx.helpers).logProbs
			: undefined;
	return { old, ref, values: scores.values };
};

/**
 * One group-relative policy update (GRPO, RLOO, GiGPO, RewardFlow or any mix): each step's
 * advantage is broadcast over its action tokens, old log-probs come from the pre-update policy, and
 * `runUpdate` does the PPO-clip (dual clip) / token-mean / entropy / low-var-KL mini-batch epochs.
 * Returns `losses/…` and `advantages/…` metrics.
 */
export const groupRelativeUpdate = (
	ctx: UpdateContext,
	batch: TrajectoryBatch,
	advantages: StepAdvantages,
	fit: FitOptions,
	config: Partial<UpdateConfig> = {},
	seed = 0,
): Record<string, number> => {
	const c = { ...updateDefaults, ...config };
	const rb = toRowBatch(batch, fit);
	const perRow = flattenPerRow(advantages, rb.rows.length, "groupRelativeUpdate: advantages");
	const tokenAdv = broadcastToTokens(perRow, rb.tokenStart);
	const { old, ref } = oldAndReference(ctx, rb, c);
	const metrics = runUpdate(
		{
			model: ctx.model,
			optimizer: ctx.optimizer,
			batch: rb,
			advantages: tokenAdv,
			oldLogProbs: old,
			...(ref !== undefined ? { refLogProbs: ref } : {}),
			seed,
			...(ctx.pad !== undefined ? { pad: ctx.pad } : {}),
			...(ctx.helpers !== undefined ? { helpers: ctx.helpers } : {}),
		},
		c,
	);
	const s = summary(perRow);
	return {
		...metrics,
		"advantages/mean": s.mean,
		"advantages/std": s.std,
		"advantages/min": s.min,
		"advantages/max": s.max,
		"advantages/token_mean": summary(tokenAdv).mean,
	};
};
