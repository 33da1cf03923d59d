import type * as tf from "@tensorflow/tfjs-core";
import { type StepRewardWeighting, tokenGae, whiten } from "../credit/tokens.ts";
import type { PolicyModel } from "../policy/policy-model.ts";
import type { TrajectoryBatch } from "../trajectory/schema.ts";
import { type FitOptions, flattenPerRow, scoreRows, toRowBatch } from "./batch.ts";
import { oldAndReference, type StepAdvantages, type UpdateContext } from "./group.ts";
import { explainedVariance, summary } from "./stats.ts";
import { runUpdate, type UpdateConfig, updateDefaults } from "./update.ts";
import { denormalizeValues, normalizeValues, updateValueNorm, type ValueNormState } from "./value-norm.ts";

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
	/**
	 * `steptool`: step k's reward is weighted by (K − 1 − k) when placed on its last token, as SPA's
	 * released trainer (inherited from StepTool) does; `none` (default): as is.
	 */
	readonly weighting: StepRewardWeighting;
}

/** Defaults: verl-agent's PPO (γ = λ = 1, whitening) on the shared update defaults. */
export const ppoDefaults: PpoConfig = {
	...updateDefaults,
	gamma: 1,
	lambda: 1,
	scope: "trajectory",
	whitenAdvantages: true,
	weighting: "none",
};

/**
 * The critic of a PPO update: a separate model with its own optimizer (verl's critic: a copy of the
 * SFT policy whose value head learns at its own rate), or `"shared"`, the policy's own value head,
 * whose loss joins the policy loss (× `valueCoef`) and moves at the policy's learning rate.
 */
export type Critic = { readonly model: PolicyModel; readonly optimizer: tf.Optimizer } | "shared";

/** What one PPO update does besides its config: whether the policy moves, and the value normalisation. */
export interface PpoStepOptions {
	/**
	 * false: a critic warm-up update (verl's `critic_warmup`): the critic learns the batch's returns
	 * and the policy is left as it is. Needs a separate critic (a shared one would move the policy's trunk).
	 */
	readonly trainPolicy?: boolean;
	/**
	 * The running return statistics when the critic is normalised: it then regresses `(return − μ)/σ`
	 * and its outputs are mapped back (`v·σ + μ`) before GAE; omitted, raw returns.
	 */
	readonly valueNorm?: ValueNormState;
	/**
	 * Passes a separate critic makes over the batch (default 1, with the policy's): the extra ones
	 * train the critic alone after the policy's update, on the same targets.
	 */
	readonly criticEpochs?: number;
	/**
	 * What a separate critic trains on instead of the update's batch: this batch with tasks of
	 * earlier ones (a value replay: the critic sees many more tasks than one iteration holds, so it
	 * learns values that carry over to new tasks instead of memorising the iteration's few), and their
	 * step rewards; `criticEpochs − 1` passes, targets recomputed with the current critic, no value
	 * clipping. Default: the update's batch.
	 */
	readonly criticData?: { readonly batch: TrajectoryBatch; readonly stepRewards: StepAdvantages };
}

/** A PPO update's metrics and the value statistics after it (when normalising). */
export interface PpoStepResult {
	readonly metrics: Record<string, number>;
	readonly valueNorm?: ValueNormState;
}

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
): Record<string, number> => ppoStep(ctx, critic, batch, stepRewards, fit, config, seed).metrics;

/**
 * {@link ppoUpdate} with the critic's options: a warm-up update that trains only the critic, and
 * value normalisation. `losses/explained_variance` is the critic's explained variance on the
 * batch's fresh rollouts, read before the update (so on returns it has never trained on), over
 * action tokens; `critic/explained_variance_step` the same at each step's first action token
 * (V(s_t) against the step's return).
 */
export const ppoStep = (
	ctx: UpdateContext,
	critic: Critic,
	batch: TrajectoryBatch,
	stepRewards: StepAdvantages,
	fit: FitOptions,
	config: Partial<PpoConfig> = {},
	seed = 0,
	options: PpoStepOptions = {},
): PpoStepResult => {
	const c = { ...ppoDefaults, ...config };
	const trainPolicy = options.trainPolicy ?? true;
	if (!trainPolicy && critic === "shared")
		throw new Error("ppoStep: a critic warm-up needs a separate critic (a shared value head would move the policy)");
	const rb = toRowBatch(batch, fit);
	const rewards = flattenPerRow(stepRewards, rb.rows.length, "ppoUpdate: stepRewards");
	const { old, ref, values: policyValues } = oldAndReference(ctx, rb, c);
	const outputs =
		critic === "shared"
			? policyValues
			: scoreRows(
					critic.model,
					rb,
					{ batchSize: c.scoreBatchSize, temperature: c.temperature, pad: ctx.pad ?? 0 },
					ctx.helpers,
				).values;
	const norm = options.valueNorm;
	const values = norm !== undefined ? denormalizeValues(norm, outputs) : outputs;
	const gae = tokenGae(rb.steps, rewards, values, {
		sequence: c.scope === "trajectory" ? "trajectory" : "row",
		gamma: c.gamma,
		lambda: c.lambda,
		layout: rb.tokenStart,
		weighting: c.weighting,
	});
	const advantages = c.whitenAdvantages ? whiten(gae.advantages) : gae.advantages;
	const nextNorm = norm !== undefined ? updateValueNorm(norm, gae.returns) : undefined;
	const targets = nextNorm !== undefined ? normalizeValues(nextNorm, gae.returns) : gae.returns;
	// with criticData the critic learns only there, never from this batch's few tasks alone
	const criticHere = critic === "shared" || options.criticData === undefined;
	const metrics: Record<string, number> =
		trainPolicy || criticHere
			? runUpdate(
					{
						model: ctx.model,
						optimizer: ctx.optimizer,
						batch: rb,
						advantages,
						oldLogProbs: old,
						...(ref !== undefined ? { refLogProbs: ref } : {}),
						...(criticHere
							? { value: { returns: targets, oldValues: outputs, ...(critic !== "shared" ? { critic } : {}) } }
							: {}),
						trainPolicy,
						seed,
						...(ctx.pad !== undefined ? { pad: ctx.pad } : {}),
						...(ctx.helpers !== undefined ? { helpers: ctx.helpers } : {}),
					},
					c,
				)
			: {};
	const extra = Math.max(0, (options.criticEpochs ?? 1) - 1);
	if (critic !== "shared" && extra > 0) {
		const data = options.criticData;
		let more: Record<string, number>;
		if (data === undefined)
			more = runUpdate(
				{
					model: ctx.model,
					optimizer: ctx.optimizer,
					batch: rb,
					advantages,
					oldLogProbs: old,
					value: { returns: targets, oldValues: outputs, critic },
					trainPolicy: false,
					seed: seed + 1,
					...(ctx.pad !== undefined ? { pad: ctx.pad } : {}),
				},
				{ ...c, epochs: extra },
			);
		else {
			const crb = toRowBatch(data.batch, fit);
			const cRewards = flattenPerRow(data.stepRewards, crb.rows.length, "ppoStep: criticData.stepRewards");
			const cOut = scoreRows(
				critic.model,
				crb,
				{ batchSize: c.scoreBatchSize, temperature: c.temperature, pad: ctx.pad ?? 0 },
				ctx.helpers,
			).values;
			const cValues = nextNorm !== undefined ? denormalizeValues(nextNorm, cOut) : cOut;
			const cGae = tokenGae(crb.steps, cRewards, cValues, {
				sequence: c.scope === "trajectory" ? "trajectory" : "row",
				gamma: c.gamma,
				lambda: c.lambda,
				layout: crb.tokenStart,
				weighting: c.weighting,
			});
			const zeros = new Float32Array(cGae.returns.length);
			more = runUpdate(
				{
					model: ctx.model,
					optimizer: ctx.optimizer,
					batch: crb,
					advantages: zeros,
					oldLogProbs: zeros,
					value: {
						returns: nextNorm !== undefined ? normalizeValues(nextNorm, cGae.returns) : cGae.returns,
						oldValues: zeros,
						critic,
					},
					trainPolicy: false,
					seed: seed + 1,
					...(ctx.pad !== undefined ? { pad: ctx.pad } : {}),
				},
				{ ...c, epochs: extra, valueClip: 0 },
			);
		}
		metrics["losses/value_loss"] = more["losses/value_loss"] ?? Number.NaN;
		metrics["losses/critic_optimizer_steps"] = more["losses/optimizer_steps"] ?? 0;
	}
	const a = summary(gae.advantages);
	const r = summary(gae.returns);
	const firstToken = Array.from({ length: rb.rows.length }, (_, i) => rb.tokenStart[i] as number).filter(
		(t, i) => (rb.tokenStart[i + 1] as number) > t,
	);
	const stepEv = explainedVariance(
		firstToken.map((t) => values[t] as number),
		firstToken.map((t) => gae.returns[t] as number),
	);
	const out: Record<string, number> = {
		...metrics,
		"advantages/mean": a.mean,
		"advantages/std": a.std,
		"advantages/min": a.min,
		"advantages/max": a.max,
		"returns/mean": r.mean,
		"returns/std": r.std,
		"values/mean": summary(values).mean,
		"losses/explained_variance": explainedVariance(values, gae.returns),
		"critic/explained_variance_step": stepEv,
		"critic/warmup": trainPolicy ? 0 : 1,
		"rewards/step_mean": summary(rewards).mean,
	};
	if (nextNorm !== undefined) {
		out["critic/return_mean"] = nextNorm.mean;
		out["critic/return_std"] = Math.sqrt(nextNorm.variance);
	}
	return nextNorm !== undefined ? { metrics: out, valueNorm: nextNorm } : { metrics: out };
};
