import * as tf from "@tensorflow/tfjs-core";
import type { PromptStyle } from "../env/spec.ts";
import type { ManagedEnv } from "../env/time-limit.ts";
import type { ResetRequest } from "../env/types.ts";
import { type CollectOptions, collectRollouts, type Policy } from "../policy/collector.ts";
import type { PolicyModel } from "../policy/policy-model.ts";
import type { RolloutPool } from "../policy/rollout-pool.ts";
import { groupTrajectories, type Trajectory, type TrajectoryBatch } from "../trajectory/schema.ts";
import { hashSeed, Rng } from "../util/rng.ts";
import type { FitOptions } from "./batch.ts";
import { type FilteredRollouts, type GroupFilter, runFilterRounds, runFilterRoundsAsync } from "./filter.ts";
import { groupRelativeUpdate, type StepCredit } from "./group.ts";
import { type Metrics, rolloutMetrics, truncationMetrics } from "./metrics.ts";
import { type Critic, type PpoConfig, ppoStep } from "./ppo.ts";
import { pickHardTasks, screenCollectOptions, type TaskScreen } from "./screen.ts";
import type { UpdateConfig } from "./update.ts";
import { emptyValueNorm, type ValueNormState } from "./value-norm.ts";

/** What the credit function is told besides the batch. */
export interface CreditContext {
	readonly iteration: number;
}

/** The credit step: any method (or mix) from `@stepwise/rewards`, wired by the runner. */
export type CreditFn = (batch: TrajectoryBatch, context: CreditContext) => StepCredit;

/**
 * Which update the loop runs: a group-relative update on the credit's `advantages`, or PPO with a
 * critic on the credit's `stepRewards` (placed at each action's last token, then GAE).
 */
export type Algorithm =
	| { readonly kind: "group"; readonly config?: Partial<UpdateConfig> }
	| {
			readonly kind: "ppo";
			readonly critic: Critic;
			readonly config?: Partial<PpoConfig>;
			/**
			 * Iterations 1..warmup train only the critic (verl's `critic_warmup`); they play their
			 * rollouts like any other, so they count in the run's iterations and env steps. Needs a
			 * separate critic. Default 0.
			 */
			readonly warmup?: number;
			/** Normalise the critic's targets with running return statistics (see `value-norm.ts`). */
			readonly normalizeValues?: boolean;
			/** Passes of a separate critic over each batch (default 1). */
			readonly criticEpochs?: number;
			/**
			 * Iterations whose batches a separate critic keeps for replay (default 0): with
			 * `criticEpochs` E > 1, the critic learns from one pass over the current batch with
			 * (E − 1) batches' worth of groups drawn from the kept ones (see
			 * `PpoStepOptions.criticData`), so from many more tasks than one iteration holds, seeing
			 * each about E times.
			 */
			readonly criticReplay?: number;
	  };

/** Rollout settings (the collector's options). */
export interface RolloutSettings {
	readonly temperature?: number;
	readonly topP?: number;
	/** Most tokens of one answer (default 32); also how prompts are fitted in the update. */
	readonly maxNewTokens?: number;
	readonly style?: PromptStyle;
	readonly historyLength?: number;
	/** Rows per generation call (default 64). */
	readonly batchSize?: number;
	/** Members of every group that decode greedily (the collector's `greedyMembers`; default 0). */
	readonly greedyMembers?: number;
}

/** Options of a {@link Trainer}. */
export interface TrainerOptions {
	/** The learner, which is also the rollout policy (same weights: they never drift apart). */
	readonly policy: Policy;
	readonly optimizer: tf.Optimizer;
	/** Frozen reference policy of the KL loss (omit for no KL). */
	readonly reference?: PolicyModel;
	/** Envs for the rollouts (at least `groupSize`; waves of whole groups). */
	readonly envs: ReadonlyArray<ManagedEnv>;
	readonly algorithm: Algorithm;
	readonly credit: CreditFn;
	/**
	 * The tasks of iteration i (one group each); must be a pure function of i for determinism. With
	 * `screen`, the candidates the iteration's tasks are picked from.
	 */
	readonly tasks: (iteration: number) => ReadonlyArray<ResetRequest>;
	/** Train on the tasks the greedy policy fails (see {@link TaskScreen}); default: every task of `tasks(i)`. */
	readonly screen?: TaskScreen;
	/**
	 * Dynamic sampling: play `tasks(i)` as candidates, `keep` at a time, and train on the first `keep`
	 * groups whose outcomes differ (see {@link GroupFilter}). Not combined with `screen`.
	 */
	readonly filter?: GroupFilter;
	/**
	 * Offline RL: iteration i trains on `data(i)` (stored trajectories, e.g. SPA's annotated
	 * exploration; see `offlineBatches`) and plays no rollouts; `tasks`, `screen` and `filter` are
	 * unused. The PPO ratio's denominator is the policy before each update (`oldLogProbs: "recompute"`,
	 * as SPA's TRL PPO does) or the log-probs stored with the trajectories (`"rollout"`), which
	 * bounds the drift from the policy that played them across iterations.
	 */
	readonly data?: (iteration: number) => TrajectoryBatch;
	/** Rollouts per task (N). */
	readonly groupSize: number;
	readonly rollout?: RolloutSettings;
	/** Applied to each batch before credit (e.g. SPA's progress annotation). */
	readonly transform?: (batch: TrajectoryBatch, context: CreditContext) => TrajectoryBatch;
	/** Held-out greedy evaluation every `every` iterations (and before the first and after the last). */
	readonly evaluation?: {
		readonly tasks: ReadonlyArray<ResetRequest>;
		readonly every: number;
		readonly envs?: ReadonlyArray<ManagedEnv>;
	};
	readonly seed?: number;
	/**
	 * Rollout workers for {@link Trainer.stepAsync}, which also compute shares of every update's policy
	 * gradient (the batch and the update are the same with or without them).
	 */
	readonly pool?: RolloutPool;
	/** Called with every iteration's record (metrics, for logs, TensorBoard, progress bars). */
	readonly onIteration?: (record: IterationRecord) => void;
}

/** One iteration's outcome. */
export interface IterationRecord {
	/** 1-based index of the iteration just finished. */
	readonly iteration: number;
	readonly metrics: Metrics;
	/** The (transformed) batch the update trained on. */
	readonly batch: TrajectoryBatch;
}

/** The resumable state of the loop (saved as the checkpoint's `state.json`). */
export interface TrainerState {
	/** Iterations completed. */
	readonly iteration: number;
	readonly seed: number;
	/** The critic's return statistics (PPO with `normalizeValues`). */
	readonly valueNorm?: ValueNormState;
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

const gc = (): void => {
	(globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc(true);
};

/**
 * The training loop: rollout → (transform) → credit → update, iterating. Every phase is also a
 * public method, so a runner can run only one (`stepwise explore` = {@link Trainer.rollout},
 * an offline update = {@link Trainer.update}). Everything random is a pure function of
 * `(seed, iteration)` (the collector's sampling seed, the mini-batch order), so a run resumed from
 * a checkpoint at iteration k continues exactly as the uninterrupted run would.
 */
export class Trainer {
	private completed: number;
	readonly seed: number;
	/** The screening or filter metrics of the rollout phase in progress, for its iteration's record. */
	private selectionMetrics: Metrics = {};
	/** The critic's return statistics (PPO with `normalizeValues`). */
	private valueNorm: ValueNormState | undefined;
	/** The batches the critic replays (PPO with `criticReplay`), oldest first. */
	private replay: TrajectoryBatch[] = [];

	constructor(
		readonly options: TrainerOptions,
		state?: TrainerState,
	) {
		if (options.screen !== undefined && options.filter !== undefined)
			throw new Error("Trainer: screen and filter both pick an iteration's tasks; use one");
		if (options.data !== undefined && (options.screen !== undefined || options.filter !== undefined))
			throw new Error("Trainer: offline data plays no tasks, so screen and filter do not apply");
		this.seed = state?.seed ?? options.seed ?? 0;
		this.completed = state?.iteration ?? 0;
		const a = options.algorithm;
		if (a.kind === "ppo") {
			if ((a.warmup ?? 0) > 0 && a.critic === "shared")
				throw new Error(
					"Trainer: a critic warm-up needs a separate critic (a shared value head would move the policy)",
				);
			if (a.normalizeValues === true) this.valueNorm = state?.valueNorm ?? emptyValueNorm;
		}
	}

	/** Iterations completed. */
	get iteration(): number {
		return this.completed;
	}

	/** The batches the critic replays, oldest first (to save with a checkpoint; see {@link restoreReplay}). */
	replayBatches(): ReadonlyArray<TrajectoryBatch> {
		return this.replay;
	}

	/** Restore the critic's replay from a checkpoint (a resumed run then continues as the uninterrupted one). */
	restoreReplay(batches: ReadonlyArray<TrajectoryBatch>): void {
		this.replay = [...batches];
	}

	/** The state to save with a checkpoint. */
	state(): TrainerState {
		return {
			iteration: this.completed,
			seed: this.seed,
			...(this.valueNorm !== undefined ? { valueNorm: this.valueNorm } : {}),
		};
	}

	/** How update rows are fitted to the context (as the rollouts' generation fitted them). */
	get fit(): FitOptions {
		return {
			contextLength: this.options.policy.model.config.contextLength,
			maxNewTokens: this.options.rollout?.maxNewTokens ?? 32,
		};
	}

	/**
	 * Rollout phase: `groupSize` sampled episodes of each task of `iteration` (default the next one),
	 * as groups; with offline `data`, that iteration's stored batch.
	 */
	rollout(iteration = this.completed + 1): TrajectoryBatch {
		const { policy, envs, filter, data } = this.options;
		if (data !== undefined) return data(iteration);
		let options = this.rolloutOptions(iteration);
		if (filter !== undefined)
			return this.filtered(runFilterRounds(options, filter, (o) => collectRollouts(policy, envs, o)));
		if (this.options.screen !== undefined)
			options = this.screened(options, collectRollouts(policy, envs, screenCollectOptions(options)));
		return groupTrajectories(collectRollouts(policy, envs, options));
	}

	/** The kept groups of a filtered rollout phase; its metrics go to the iteration's record. */
	private filtered(r: FilteredRollouts): TrajectoryBatch {
		this.selectionMetrics = r.metrics;
		return r.batch;
	}

	/** The rollout options narrowed to the tasks the screening episodes `greedy` pick. */
	private screened(options: CollectOptions, greedy: ReadonlyArray<Trajectory>): CollectOptions {
		const picked = pickHardTasks(options.tasks, greedy, this.options.screen?.keep ?? options.tasks.length);
		this.selectionMetrics = picked.metrics;
		return { ...options, tasks: picked.tasks };
	}

	/**
	 * The rollout phase on the `pool`'s workers too (when the options have one; else {@link rollout}):
	 * the same batch, in less time on a machine with a core to spare.
	 */
	async rolloutAsync(iteration = this.completed + 1, signal?: AbortSignal): Promise<TrajectoryBatch> {
		const pool = this.options.pool;
		if (pool === undefined || pool.size === 0 || this.options.data !== undefined) return this.rollout(iteration);
		const o = this.options;
		let options = this.rolloutOptions(iteration);
		if (o.filter !== undefined)
			return this.filtered(
				await runFilterRoundsAsync(options, o.filter, (r) => pool.collect(o.policy, o.envs, r, signal)),
			);
		if (o.screen !== undefined)
			options = this.screened(options, await pool.collect(o.policy, o.envs, screenCollectOptions(options), signal));
		return groupTrajectories(await pool.collect(o.policy, o.envs, options, signal));
	}

	private rolloutOptions(iteration: number): CollectOptions {
		const r = this.options.rollout ?? {};
		return {
			tasks: this.options.tasks(iteration),
			groupSize: this.options.groupSize,
			seed: hashSeed(this.seed, "rollout", iteration),
			groupPrefix: `it${iteration}/`,
			meta: { iteration },
			...(r.temperature !== undefined ? { temperature: r.temperature } : {}),
			...(r.topP !== undefined ? { topP: r.topP } : {}),
			...(r.maxNewTokens !== undefined ? { maxNewTokens: r.maxNewTokens } : {}),
			...(r.style !== undefined ? { style: r.style } : {}),
			...(r.historyLength !== undefined ? { historyLength: r.historyLength } : {}),
			...(r.batchSize !== undefined ? { batchSize: r.batchSize } : {}),
			...(r.greedyMembers !== undefined ? { greedyMembers: r.greedyMembers } : {}),
		};
	}

	/** Update phase: credit then one policy (and critic) update on a batch; returns the update metrics. */
	update(batch: TrajectoryBatch, iteration = this.completed + 1): Metrics {
		const credit = this.options.credit(batch, { iteration });
		return this.updateWith(batch, credit, iteration);
	}

	/** Update phase with credit already computed. */
	updateWith(batch: TrajectoryBatch, credit: StepCredit, iteration = this.completed + 1): Metrics {
		const o = this.options;
		const ctx = {
			model: o.policy.model,
			optimizer: o.optimizer,
			pad: o.policy.codec.padId,
			...(o.reference !== undefined ? { reference: o.reference } : {}),
			...(o.pool !== undefined && o.pool.size > 0 ? { helpers: o.pool } : {}),
		};
		const temperature = { temperature: o.rollout?.temperature ?? 1 };
		const seed = hashSeed(this.seed, "update", iteration);
		if (o.algorithm.kind === "group")
			return groupRelativeUpdate(
				ctx,
				batch,
				credit.advantages,
				this.fit,
				{ ...temperature, ...o.algorithm.config },
				seed,
			);
		if (credit.stepRewards === undefined)
			throw new Error("Trainer: PPO needs the credit function to return stepRewards");
		const keep = o.algorithm.criticReplay ?? 0;
		const epochs = o.algorithm.criticEpochs ?? 1;
		// the current batch with (epochs − 1) batches' worth of groups drawn from the replay, the critic's
		// only data: each task is seen about `epochs` times over its stay, always among many others
		const pool = this.replay.flatMap((b) => b.groups);
		const drawn =
			keep > 0 && epochs > 1 && pool.length > 0
				? new Rng(hashSeed(this.seed, "critic-replay", iteration))
						.shuffle(pool)
						.slice(0, (epochs - 1) * batch.groups.length)
				: [];
		const criticBatch: TrajectoryBatch | undefined =
			keep > 0 && epochs > 1 ? { groups: [...drawn, ...batch.groups] } : undefined;
		const criticData =
			criticBatch !== undefined
				? (() => {
						const rewards = this.options.credit(criticBatch, { iteration }).stepRewards;
						if (rewards === undefined) throw new Error("Trainer: PPO needs the credit function to return stepRewards");
						return { batch: criticBatch, stepRewards: rewards };
					})()
				: undefined;
		const r = ppoStep(
			ctx,
			o.algorithm.critic,
			batch,
			credit.stepRewards,
			this.fit,
			{ ...temperature, ...o.algorithm.config },
			seed,
			{
				trainPolicy: iteration > (o.algorithm.warmup ?? 0),
				// with a replay, one extra pass over the current batch and the drawn groups
				...(criticData !== undefined
					? { criticEpochs: 2, criticData }
					: o.algorithm.criticEpochs !== undefined
						? { criticEpochs: o.algorithm.criticEpochs }
						: {}),
				...(this.valueNorm !== undefined ? { valueNorm: this.valueNorm } : {}),
			},
		);
		if (r.valueNorm !== undefined) this.valueNorm = r.valueNorm;
		if (keep > 0) this.replay = [...this.replay, batch].slice(-keep);
		return r.metrics;
	}

	/** Held-out greedy evaluation (`eval/…` metrics). */
	evaluate(): { metrics: Metrics; trajectories: Trajectory[] } {
		const e = this.options.evaluation;
		if (e === undefined) return { metrics: {}, trajectories: [] };
		const r = this.options.rollout ?? {};
		const trajectories = collectRollouts(this.options.policy, e.envs ?? this.options.envs, {
			tasks: e.tasks,
			greedy: true,
			groupPrefix: "eval/",
			...(r.maxNewTokens !== undefined ? { maxNewTokens: r.maxNewTokens } : {}),
			...(r.style !== undefined ? { style: r.style } : {}),
			...(r.historyLength !== undefined ? { historyLength: r.historyLength } : {}),
			...(r.batchSize !== undefined ? { batchSize: r.batchSize } : {}),
		});
		return {
			metrics: { ...rolloutMetrics(trajectories, "eval"), ...truncationMetrics(trajectories, this.fit, "eval") },
			trajectories,
		};
	}

	/** One full iteration: rollout → transform → credit → update (→ evaluation when due). */
	step(): IterationRecord {
		const iteration = this.completed + 1;
		const t0 = performance.now();
		return this.learn(iteration, this.rollout(iteration), t0);
	}

	/**
	 * {@link step} with the rollouts on the `pool` (see {@link rolloutAsync}); the same record. When
	 * `signal` is aborted during the rollouts, the iteration is dropped before any update.
	 */
	async stepAsync(signal?: AbortSignal): Promise<IterationRecord> {
		const iteration = this.completed + 1;
		const t0 = performance.now();
		const raw = await this.rolloutAsync(iteration, signal);
		signal?.throwIfAborted();
		return this.learn(iteration, raw, t0);
	}

	/** The rest of an iteration once its rollouts are in: transform → credit → update (→ evaluation). */
	private learn(iteration: number, raw: TrajectoryBatch, t0: number): IterationRecord {
		const rolloutS = seconds(t0);
		const t1 = performance.now();
		const batch = this.options.transform?.(raw, { iteration }) ?? raw;
		const transformS = seconds(t1);
		const t2 = performance.now();
		// a filtered phase that found no mixed group leaves nothing to learn from: no credit, no update
		const empty = batch.groups.length === 0;
		const credit = empty ? undefined : this.options.credit(batch, { iteration });
		const creditS = seconds(t2);
		const t3 = performance.now();
		const losses = credit === undefined ? {} : this.updateWith(batch, credit, iteration);
		const updateS = seconds(t3);
		this.completed = iteration;
		gc();
		const flat = batch.groups.flatMap((g) => g.trajectories);
		const charts = { ...rolloutMetrics(flat), ...truncationMetrics(flat, this.fit) };
		const tokens = charts["charts/generated_tokens"] as number;
		let sequenceTokens = 0;
		for (const t of flat) for (const st of t.steps) sequenceTokens += st.promptIds.length + st.actionIds.length;
		let evalMetrics: Metrics = {};
		let evalS = 0;
		const e = this.options.evaluation;
		if (e !== undefined && e.every > 0 && iteration % e.every === 0) {
			const t4 = performance.now();
			evalMetrics = this.evaluate().metrics;
			evalS = seconds(t4);
		}
		const selection = this.selectionMetrics;
		this.selectionMetrics = {};
		const metrics: Metrics = {
			iteration,
			...charts,
			...selection,
			...losses,
			...evalMetrics,
			"perf/rollout_tokens_per_s": tokens / Math.max(rolloutS, 1e-9),
			"perf/update_tokens_per_s": sequenceTokens / Math.max(updateS, 1e-9),
			"perf/num_tensors": tf.memory().numTensors,
			"time/rollout_s": rolloutS,
			"time/transform_s": transformS,
			"time/credit_s": creditS,
			"time/update_s": updateS,
			"time/eval_s": evalS,
			"time/iteration_s": seconds(t0),
		};
		const record = { iteration, metrics, batch };
		this.options.onIteration?.(record);
		return record;
	}

	/**
	 * Run until `iterations` are completed in total (counting resumed ones) or the time budget is
	 * spent (checked between iterations). Returns the records of this call.
	 */
	run(iterations: number, options: { readonly timeBudgetMs?: number } = {}): IterationRecord[] {
		const t0 = performance.now();
		const out: IterationRecord[] = [];
		while (this.completed < iterations) {
			if (options.timeBudgetMs !== undefined && performance.now() - t0 >= options.timeBudgetMs) break;
			out.push(this.step());
		}
		return out;
	}
}
