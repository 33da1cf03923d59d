import { existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import {
	type EnvConfigError,
	groupTrajectories,
	type OutputError,
	type ResetRequest,
	readTrajectories,
	type TrajectoryBatch,
	type TrajectoryFileError,
	writeTrajectories,
} from "@stepwise/core";
import type { HfModelError } from "@stepwise/core/hf/errors";
import type { HfTokenizerError } from "@stepwise/core/hf/tokenizer";
import { CheckpointError, loadCheckpoint, type Policy, type PolicyModel } from "@stepwise/core/policy/index";
import {
	type Algorithm,
	annotateBatch,
	loadTrainerCheckpoint,
	offlineBatches,
	saveTrainerCheckpoint,
	Trainer,
	type TrainerState,
} from "@stepwise/core/train/index";
import * as tf from "@tensorflow/tfjs-core";
import { Effect, type FileSystem, Result, Schema } from "effect";
import { ConfigError } from "../config/overrides.ts";
import type { RunConfig } from "../config/schema.ts";
import { NonFiniteError, type RolloutWorkersError } from "../errors.ts";
import { writeRunFile } from "../runs/files.ts";
import { readJsonFile } from "../runs/json-file.ts";
import { Progress } from "../runs/progress.ts";
import { isSftRow, type MetricsRow, type RunDir } from "../runs/run-dir.ts";
import {
	checkpointEnvOf,
	envPool,
	fmt,
	promptStyleOf,
	rlTasks,
	type StageContext,
	startRolloutPool,
	taskRange,
	truncationWarning,
	VALIDATION_OFFSET,
	yieldToEventLoop,
} from "./context.ts";
import { MethodConfigError, makeCreditFn, requiresProgress, runTraits } from "./credit-fn.ts";
import { checkLoadedWeights, checkTrainedWeights } from "./finite.ts";
import { loadModelPolicy, loraSpecOf } from "./policy-load.ts";
import { readModelTrajectories } from "./trajectory-input.ts";

/**
 * Where an RL run starts from: the SFT policy, for SPA the progress estimator, and with
 * `train.data=exploration` the stored trajectories it trains on (saved as `rl-sources.json`).
 */
export const RlSources = Schema.Struct({
	policy: Schema.String,
	progress: Schema.optional(Schema.String),
	trajectories: Schema.optional(Schema.String),
});
export type RlSources = typeof RlSources.Type;

/** What RL can fail with: its config and sources, a checkpoint, the trajectories, the workers, a write, divergence. */
export type RlError =
	| ConfigError
	| MethodConfigError
	| EnvConfigError
	| CheckpointError
	| TrajectoryFileError
	| RolloutWorkersError
	| OutputError
	| NonFiniteError
	| HfModelError
	| HfTokenizerError;

/** The outcome of the RL stage. */
export interface RlSummary {
	readonly iterations: number;
	readonly resumedFrom: number | undefined;
	readonly checkpoint: string;
	readonly last: Readonly<Record<string, number>>;
}

const SOURCES = "rl-sources.json";
/** The critic's replayed batches in a checkpoint, one JSONL each, oldest first. */
const REPLAY = "critic-replay";

/** The replayed batches a checkpoint holds (none when it has no `critic-replay/`). */
const readReplay = (dir: string) =>
	Effect.gen(function* () {
		const root = join(dir, REPLAY);
		if (!existsSync(root)) return [];
		const files = readdirSync(root)
			.filter((f) => /^\d+\.jsonl$/.test(f))
			.sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
		const out: TrajectoryBatch[] = [];
		for (const f of files) out.push(groupTrajectories(yield* readTrajectories(join(root, f))));
		return out;
	});

/** The environment steps of an iteration's training episodes, from its metrics (episodes × mean length). */
const episodeSteps = (m: Readonly<Record<string, number>>): number =>
	Math.round((m["charts/episodes"] ?? 0) * (m["charts/episode_length"] ?? 0));

/** What is wrong with the `critic` keys of a PPO run, if anything. */
export const criticConfigProblem = (config: RunConfig): string | undefined => {
	const { warmup, model } = config.critic;
	if (warmup > 0 && model === "shared")
		return `${warmup} warm-up iterations train the critic alone, which a shared value head cannot do without moving the policy: use critic.model=separate or critic.warmup=0`;
	if (warmup > 0 && warmup >= config.train.iterations)
		return `${warmup} warm-up iterations leave none of train.iterations (${config.train.iterations}) for the policy`;
	return undefined;
};
/** Whether the configured method requires per-step progress (its traits say so: SPA, a mix with SPA, PPO on SPA's rewards …), so RL needs an estimator. */
export const needsProgress = (ctx: StageContext): boolean => requiresProgress(ctx.config.method);

const isRlRow = (row: MetricsRow): boolean => !isSftRow(row);

/** The first source a command gives that is not the one the run started from (paths compared resolved). */
const movedSource = (
	saved: RlSources,
	given: RlSources,
): { readonly flag: string; readonly given: string; readonly saved: string } | undefined => {
	const same = (a: string | undefined, b: string | undefined) =>
		a === undefined || b === undefined ? a === b : resolve(a) === resolve(b);
	if (!same(saved.policy, given.policy)) return { flag: "--policy", given: given.policy, saved: saved.policy };
	if (given.progress !== undefined && !same(saved.progress, given.progress))
		return { flag: "--progress", given: given.progress, saved: saved.progress ?? "no estimator" };
	if (given.trajectories !== undefined && !same(saved.trajectories, given.trajectories))
		return { flag: "--trajectories", given: given.trajectories, saved: saved.trajectories ?? "rollouts" };
	return undefined;
};

/** The sources saved with a run (a resumed `train` needs no flags); a malformed file fails, naming it. */
export const savedSources = (run: RunDir): Effect.Effect<RlSources | undefined, CheckpointError> => {
	const path = join(run.path, SOURCES);
	return existsSync(path)
		? readJsonFile(path, RlSources, "RL sources", (message) => new CheckpointError({ path, message }))
		: Effect.succeed(undefined);
};

/**
 * With `train.data=exploration`, the batches of the stored trajectories RL trains on (decoded, a bad
 * line named); none with `rollouts`. Either setting refuses the other's source.
 */
const offlineData = (config: RunConfig, sources: RlSources, vocabSize: number) =>
	Effect.gen(function* () {
		const path = sources.trajectories;
		if (config.train.data === "rollouts") {
			if (path === undefined) return undefined;
			return yield* new ConfigError({
				key: "train.data",
				source: "--trajectories",
				message: `rollouts: RL plays its own episodes, so ${path} would go unused; set train.data=exploration to train on it`,
			});
		}
		if (path === undefined)
			return yield* new ConfigError({
				key: "train.data",
				source: "config",
				message:
					"exploration: RL trains on stored trajectories; give --trajectories FILE (the pipeline uses its exploration)",
			});
		const trajectories = yield* readModelTrajectories(path, vocabSize, "train.data=exploration");
		return offlineBatches(trajectories, { groups: config.rollout.groups, seed: config.seed });
	});

/** `train.oldLogProbs`, with `auto` resolved: the stored log-probs offline, recomputed on fresh rollouts. */
const oldLogProbs = (config: RunConfig): "recompute" | "rollout" => {
	const o = config.train.oldLogProbs;
	if (o !== "auto") return o;
	return config.train.data === "exploration" ? "rollout" : "recompute";
};

/** The tasks of RL's periodic greedy evaluation (`train.evalOn`): held-out validation tasks of the train split, or the test split's first tasks. */
export const periodicEvalTasks = (config: RunConfig): ResetRequest[] =>
	config.train.evalOn === "validation"
		? taskRange(config.seed, config.env.trainSplit, config.train.evalTasks, VALIDATION_OFFSET)
		: taskRange(config.seed, config.env.evalSplit, config.train.evalTasks);

/**
 * The RL loop on the configured method: rollouts of `rollout.groups` tasks × `rollout.groupSize`
 * samples per iteration, credit from `@stepwise/rewards`, a group-relative or PPO update, KL to the
 * frozen SFT policy. Logs every iteration to `metrics.jsonl` + TensorBoard, dumps trajectory samples,
 * checkpoints every `train.checkpointEvery` iterations; resumes from the run's last checkpoint, and a
 * resumed run reproduces the uninterrupted one (everything random is a function of seed and iteration).
 */
export const runRlStage = (
	ctx: StageContext,
	run: RunDir,
	given: RlSources,
): Effect.Effect<RlSummary, RlError, FileSystem.FileSystem> => Effect.scoped(rlStage(ctx, run, given));

/** {@link runRlStage}'s body, in a scope that stops the rollout workers. */
const rlStage = (ctx: StageContext, run: RunDir, given: RlSources) =>
	Effect.gen(function* () {
		const { config } = ctx;
		const saved = yield* savedSources(run);
		const moved = saved !== undefined ? movedSource(saved, given) : undefined;
		if (moved !== undefined)
			return yield* new ConfigError({
				key: moved.flag,
				source: join(run.path, SOURCES),
				message: `${moved.flag} ${moved.given} differs from ${moved.saved}, which this run directory's RL started from (${SOURCES}); use a new --run-dir to train from it`,
			});
		const sources = saved ?? given;
		yield* writeRunFile(join(run.path, SOURCES), `${JSON.stringify(sources)}\n`);
		const spec = ctx.registered.spec;
		const creditR = makeCreditFn(config.method, {
			id: spec.id,
			maxSteps: spec.maxSteps,
			invalidPenalty: spec.invalidPenalty,
		});
		if (Result.isFailure(creditR)) return yield* creditR.failure;
		const traits = Result.getOrThrow(runTraits(config.method)); // decoded by makeCreditFn
		if (needsProgress(ctx) && sources.progress === undefined)
			return yield* new MethodConfigError({
				message: `method ${config.method.name} needs a progress estimator (--progress DIR, from 'stepwise progress train')`,
			});
		const criticProblem = traits.ppo ? criticConfigProblem(config) : undefined;
		if (criticProblem !== undefined)
			return yield* new ConfigError({ key: "critic.warmup", source: "config", message: criticProblem });
		const last = run.lastCheckpoint();
		let policy: Policy;
		let optimizer: tf.Optimizer;
		let reference: PolicyModel | undefined;
		let state: TrainerState | undefined;
		let critic: { readonly model: PolicyModel; readonly optimizer: tf.Optimizer } | undefined;
		const separateCritic = traits.ppo && config.critic.model === "separate";
		if (last !== undefined) {
			const loaded = yield* loadTrainerCheckpoint(run.checkpointDir(last), { learningRate: config.train.lr });
			({ policy, optimizer, reference, state } = loaded);
			critic = loaded.critic;
			if (separateCritic && critic === undefined)
				return yield* new CheckpointError({
					path: run.checkpointDir(last),
					message: `${run.checkpointDir(last)} holds no critic/, which critic.model=separate resumes from`,
				});
			run.truncateMetrics(last, isRlRow);
			ctx.log(`train: resuming from ${run.checkpointDir(last)} (iteration ${last})`);
		} else {
			// an SFT checkpoint, or a Hugging Face model directory (fresh LoRA adapters per lora.*)
			const loaded = yield* loadModelPolicy(sources.policy, loraSpecOf(config));
			loaded.optimizer?.dispose();
			policy = loaded.policy;
			optimizer = tf.train.adam(config.train.lr);
			reference = config.train.klCoef > 0 ? policy.model.copy() : undefined;
			// verl's critic: initialised from the SFT policy (its trunk), with its own optimizer
			if (separateCritic) critic = { model: policy.model.copy(), optimizer: tf.train.adam(config.critic.lr) };
			// rows of an earlier start that was stopped before its first checkpoint
			if (run.readMetrics().some(isRlRow)) run.truncateMetrics(0, isRlRow);
			ctx.log(`train: ${config.method.name} from ${sources.policy}`);
		}
		yield* checkLoadedWeights(policy.model, last !== undefined ? run.checkpointDir(last) : sources.policy);
		const data = yield* offlineData(config, sources, policy.model.config.vocabSize);
		const progressModel =
			needsProgress(ctx) && sources.progress !== undefined
				? (yield* loadCheckpoint(sources.progress)).model
				: undefined;
		const groupSize = config.rollout.groupSize;
		const envs = yield* envPool(ctx, groupSize * config.rollout.groups);
		const pool = yield* startRolloutPool(ctx, policy, groupSize * config.rollout.groups);
		const evalEnvs = yield* envPool(ctx, Math.min(config.train.evalTasks, 64));
		const update = {
			klCoef: reference !== undefined ? config.train.klCoef : 0,
			entropyCoef: config.train.entropyCoef,
			miniBatchSize: config.train.miniBatchSize,
			epochs: config.train.epochs,
			oldLogProbs: oldLogProbs(config),
		};
		const algorithm: Algorithm = traits.ppo
			? {
					kind: "ppo",
					critic: critic ?? "shared",
					config: { ...update, ...traits.gae },
					warmup: config.critic.warmup,
					normalizeValues: config.critic.normalize,
					criticEpochs: config.critic.epochs,
					criticReplay: config.critic.model === "separate" ? config.critic.replay : 0,
				}
			: { kind: "group", config: update };
		const fit = { contextLength: policy.model.config.contextLength, maxNewTokens: config.rollout.maxNewTokens };
		const trainer = new Trainer(
			{
				policy,
				optimizer,
				...(reference !== undefined ? { reference } : {}),
				envs,
				algorithm,
				credit: creditR.success,
				tasks: (i) => rlTasks(config, i),
				...(config.rollout.screen > 0 ? { screen: { keep: config.rollout.groups } } : {}),
				...(data !== undefined ? { data } : {}),
				...(config.rollout.filterRounds > 0
					? { filter: { keep: config.rollout.groups, metric: config.rollout.filterBy } }
					: {}),
				groupSize,
				rollout: {
					temperature: config.rollout.temperature,
					style: promptStyleOf(ctx),
					maxNewTokens: config.rollout.maxNewTokens,
					batchSize: config.rollout.batchSize,
					greedyMembers: config.rollout.greedyMembers,
				},
				...(progressModel !== undefined
					? {
							transform: (batch) =>
								annotateBatch(progressModel, batch, fit, {
									pad: policy.codec.padId,
									noOps: config.progress.noOps,
								}),
						}
					: {}),
				...(config.train.evalEvery > 0
					? {
							evaluation: {
								tasks: periodicEvalTasks(config),
								every: config.train.evalEvery,
								envs: evalEnvs,
							},
						}
					: {}),
				seed: config.seed,
				pool,
			},
			state,
		);
		if (last !== undefined) trainer.restoreReplay(yield* readReplay(run.checkpointDir(last)));
		const total = config.train.iterations;
		const bar = new Progress({
			label: `train ${config.method.name}`,
			total,
			unit: "iteration",
			rate: "seconds-per",
			initial: trainer.iteration,
		});
		let lastMetrics: Record<string, number> = {};
		/** The stage warns once when generation cut prompts (`charts/truncated_prompts`, in every row). */
		let warnedTruncation = false;
		const t0 = performance.now();
		/** The run's RL rows so far (a resumed run's), read once for what it already spent. */
		const earlier = run.readMetrics().filter(isRlRow);
		/** Optimizer steps skipped for a non-finite gradient so far, over the run (resumed runs count their rows). */
		let skipped = earlier.reduce((s, r) => s + (r["losses/skipped_steps"] ?? 0), 0);
		const budgetMs = config.train.minutes > 0 ? config.train.minutes * 60_000 : Number.POSITIVE_INFINITY;
		/** Training time the run spent before this process (its rows' `time/iteration_s`): a resumed run gets what is left of `train.minutes`. */
		const spentMs = earlier.reduce((s, r) => s + (r["time/iteration_s"] ?? 0), 0) * 1000;
		if (spentMs >= budgetMs && trainer.iteration < total)
			ctx.log(
				`train: the time budget of ${config.train.minutes} min was spent by iteration ${trainer.iteration}; nothing left to train (raise train.minutes, or 0 for none, to go on)`,
			);
		const stepBudget = config.train.envSteps > 0 ? config.train.envSteps : Number.POSITIVE_INFINITY;
		/** Environment steps of the run's training episodes so far (a resumed run counts its rows). */
		let envSteps = earlier.at(-1)?.["charts/env_steps"] ?? 0;
		/** Checkpoint the trainer after iteration `i`: written beside, then renamed, so a kill never leaves a step_N without its reference. */
		const checkpoint = (i: number) =>
			Effect.gen(function* () {
				yield* checkTrainedWeights(policy.model, "train.lr");
				const partial = join(run.checkpointsDir, `.partial_step_${i}`);
				rmSync(partial, { recursive: true, force: true });
				yield* saveTrainerCheckpoint(partial, {
					policy,
					optimizer,
					state: trainer.state(),
					env: checkpointEnvOf(ctx),
					...(reference !== undefined ? { reference } : {}),
					...(critic !== undefined ? { critic } : {}),
				});
				const replay = trainer.replayBatches();
				for (const [k, b] of replay.entries())
					yield* writeTrajectories(
						join(partial, REPLAY, `${k}.jsonl`),
						b.groups.flatMap((g) => g.trajectories),
					);
				rmSync(run.checkpointDir(i), { recursive: true, force: true });
				renameSync(partial, run.checkpointDir(i));
			});
		const iterate = Effect.gen(function* () {
			while (trainer.iteration < total && envSteps < stepBudget && spentMs < budgetMs) {
				const record = yield* Effect.promise((signal) => trainer.stepAsync(signal));
				const i = record.iteration;
				envSteps += config.train.data === "rollouts" ? episodeSteps(record.metrics) : 0;
				const outOfTime = spentMs + performance.now() - t0 >= budgetMs;
				const outOfSteps = envSteps >= stepBudget;
				lastMetrics = { ...record.metrics, "charts/env_steps": envSteps };
				run.log({ ...lastMetrics, iteration: i });
				if (!warnedTruncation && (record.metrics["charts/truncated_prompts"] ?? 0) > 0) {
					warnedTruncation = true;
					const steps = record.batch.groups.reduce(
						(s, g) => s + g.trajectories.reduce((u, t) => u + t.steps.length, 0),
						0,
					);
					const share = record.metrics["charts/truncated_prompts"] ?? 0;
					ctx.log(truncationWarning(`train (iteration ${i})`, Math.round(share * steps), steps, config));
				}
				skipped += record.metrics["losses/skipped_steps"] ?? 0;
				if (skipped > config.train.maxSkippedSteps)
					return yield* new NonFiniteError({
						what: "rl loss",
						message: `train: ${skipped} optimizer steps skipped for a non-finite loss by iteration ${i}, more than train.maxSkippedSteps (${config.train.maxSkippedSteps}); train.lr ${config.train.lr} is too high? The last checkpoint is ${run.lastCheckpoint() ?? "none"}`,
					});
				if (config.train.sampleEvery > 0 && i % config.train.sampleEvery === 0)
					yield* writeTrajectories(
						join(run.trajectoriesDir, `iter_${i}.jsonl`),
						record.batch.groups.flatMap((g) => g.trajectories),
					);
				if (i % config.train.checkpointEvery === 0 || i === total || outOfTime || outOfSteps) yield* checkpoint(i);
				const shown: Record<string, number> = { success: record.metrics["charts/success"] ?? 0 };
				if (record.metrics["eval/success"] !== undefined) shown.eval_success = record.metrics["eval/success"];
				if (record.metrics["losses/kl"] !== undefined) shown.kl = record.metrics["losses/kl"];
				bar.tick(1, shown);
				if (outOfTime) {
					ctx.log(`train: time budget of ${config.train.minutes} min spent after iteration ${i}`);
					break;
				}
				if (outOfSteps) {
					ctx.log(`train: env-step budget of ${config.train.envSteps} spent after iteration ${i} (${envSteps} steps)`);
					break;
				}
				yield* yieldToEventLoop;
			}
		});
		yield* Effect.onInterrupt(iterate, () =>
			Effect.gen(function* () {
				bar.finish();
				const i = trainer.iteration;
				if (i > 0 && run.lastCheckpoint() !== i) yield* checkpoint(i);
				ctx.log(`train: interrupted after iteration ${i}, checkpoint saved; --resume continues the run`);
			}).pipe(Effect.orDie),
		);
		bar.finish();
		if (Object.keys(lastMetrics).length === 0) lastMetrics = { ...(run.readMetrics().at(-1) ?? {}) };
		yield* Effect.promise(() =>
			run.writePlots([
				{ title: "success", keys: ["charts/success", "eval/success"] },
				{ title: "valid_action_ratio", keys: ["charts/valid_action_ratio", "eval/valid_action_ratio"] },
				{ title: "episode_length", keys: ["charts/episode_length"] },
				{ title: "policy_loss", keys: ["losses/policy_loss"] },
				{ title: "kl", keys: ["losses/kl"] },
				{ title: "entropy", keys: ["losses/entropy"] },
				...(traits.ppo
					? [
							{
								title: "explained_variance",
								keys: ["losses/explained_variance", "critic/explained_variance_step"],
							},
						]
					: []),
			]),
		);
		const final = run.checkpointDir(run.lastCheckpoint() ?? total);
		ctx.log(
			`train: ${trainer.iteration}/${total} iterations (${last !== undefined ? `resumed at ${last}` : "fresh"}), last rollout success ${fmt(lastMetrics["charts/success"] ?? Number.NaN)} → ${final}`,
		);
		policy.model.dispose();
		reference?.dispose();
		critic?.model.dispose();
		critic?.optimizer.dispose();
		progressModel?.dispose();
		optimizer.dispose();
		return { iterations: trainer.iteration, resumedFrom: last, checkpoint: final, last: lastMetrics };
	});
