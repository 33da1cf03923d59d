import { join } from "node:path";
import { type OutputError, type TrajectoryFileError, writeTrajectories } from "@stepwise/core";
import { type CheckpointError, loadCheckpoint, saveCheckpoint } from "@stepwise/core/policy/index";
import {
	annotateProgress,
	ESTIMATOR_MICRO_BATCH,
	type ProgressValidation,
	trainProgressEstimator,
	validateProgress,
} from "@stepwise/core/train/index";
import * as tf from "@tensorflow/tfjs-core";
import { Effect, type FileSystem } from "effect";
import { NonFiniteError, type RolloutWorkersError } from "../errors.ts";
import { writeRunFile } from "../runs/files.ts";
import { Progress } from "../runs/progress.ts";
import type { RunDir } from "../runs/run-dir.ts";
import { fmt, type StageContext, startRolloutPool } from "./context.ts";
import { checkLoadedWeights, checkTrainedWeights } from "./finite.ts";
import { loadModelPolicy, loraSpecOf, type PolicyLoadError } from "./policy-load.ts";
import { readModelTrajectories } from "./trajectory-input.ts";

/** Where a run keeps its progress estimator (`stepwise progress train`'s default output, the pipeline's step 3). */
export const progressDir = (run: RunDir): string => join(run.path, "progress");

/** Where the pipeline writes the exploration trajectories annotated with per-step progress (step 4). */
export const annotatedFile = (run: RunDir): string => join(run.trajectoriesDir, "explore.annotated.jsonl");

/**
 * SPA's progress estimator (docs/credit/spa.md): a copy of the SFT policy whose progress head is trained
 * so that each exploration trajectory's per-step contributions sum to its outcome; 20% of the
 * trajectories (every fifth) are held out for validation. Saved as a policy checkpoint in `output`
 * with the validation figures in `validation.json`. The rollout workers compute shares of every
 * step's micro-batches (the same estimator with any number of them).
 */
export const trainProgressStage = (
	ctx: StageContext,
	options: { readonly policyDir: string; readonly trajectories: string; readonly output: string },
): Effect.Effect<
	ProgressValidation,
	PolicyLoadError | CheckpointError | TrajectoryFileError | NonFiniteError | OutputError | RolloutWorkersError,
	FileSystem.FileSystem
> =>
	Effect.scoped(
		Effect.gen(function* () {
			const { config } = ctx;
			const t0 = performance.now();
			const { policy: loaded, optimizer: loadedOptimizer } = yield* loadModelPolicy(
				options.policyDir,
				loraSpecOf(config),
			);
			loadedOptimizer?.dispose();
			yield* checkLoadedWeights(loaded.model, options.policyDir);
			const all = yield* readModelTrajectories(options.trajectories, loaded.model.config.vocabSize, "progress train");
			const train = all.filter((_, i) => i % 5 !== 4);
			const heldOut = all.filter((_, i) => i % 5 === 4);
			const fit = { contextLength: loaded.model.config.contextLength, maxNewTokens: config.rollout.maxNewTokens };
			const optimizer = tf.train.adam(config.progress.lr);
			const perEpoch = Math.ceil(train.length / config.progress.batchSize);
			// workers share a step's micro-batches; a step of one micro-batch has nothing to share
			const pool =
				config.rollout.workers > 0 && config.progress.batchSize > ESTIMATOR_MICRO_BATCH
					? yield* startRolloutPool(ctx, loaded, 1, "progress gradients")
					: undefined;
			const bar = new Progress({ label: "progress", total: perEpoch * config.progress.epochs, unit: "step" });
			const { losses } = trainProgressEstimator(loaded.model, optimizer, train, {
				fit,
				epochs: config.progress.epochs,
				batchSize: config.progress.batchSize,
				seed: config.seed,
				pad: loaded.codec.padId,
				noOps: config.progress.noOps,
				initial: config.progress.initial,
				onStep: (_, loss) => bar.tick(1, { loss }),
				...(pool !== undefined ? { helpers: pool } : {}),
			});
			bar.finish();
			const badLoss = losses.findIndex((l) => !Number.isFinite(l));
			if (badLoss >= 0)
				return yield* new NonFiniteError({
					what: "progress loss",
					message: `progress: the estimator's loss is not finite at step ${badLoss + 1} (progress.lr ${config.progress.lr} is too high?); nothing was saved`,
				});
			yield* checkTrainedWeights(loaded.model, "progress.lr");
			const mean = train.reduce((s, t) => s + (t.won ? 1 : 0), 0) / Math.max(1, train.length);
			const validation = validateProgress(loaded.model, heldOut.length > 0 ? heldOut : train, fit, {
				trainOutcomeMean: mean,
				pad: loaded.codec.padId,
				noOps: config.progress.noOps,
				initial: config.progress.initial,
			});
			yield* saveCheckpoint(options.output, {
				model: loaded.model,
				codec: loaded.codec,
				state: { kind: "stepwise-progress", steps: losses.length },
			});
			yield* writeRunFile(join(options.output, "validation.json"), `${JSON.stringify(validation, null, 2)}\n`);
			loaded.model.dispose();
			optimizer.dispose();
			ctx.log(
				`progress: ${losses.length} steps on ${train.length} trajectories (${fmt(mean)} won); held-out ${validation.trajectories}: mse ${fmt(validation.mse, 4)} vs baseline ${fmt(validation.baselineMse, 4)}, trajectory AUC ${fmt(validation.trajectoryAuc)}, step AUC ${fmt(validation.stepAuc)}; ${fmt((performance.now() - t0) / 1000, 1)} s → ${options.output}`,
			);
			return validation;
		}),
	);

/** Write the estimator's per-step contributions into a trajectories file's `progress` fields. */
export const annotateStage = (
	ctx: StageContext,
	options: { readonly estimator: string; readonly input: string; readonly output: string },
): Effect.Effect<
	{ readonly trajectories: number; readonly steps: number },
	CheckpointError | TrajectoryFileError | OutputError
> =>
	Effect.gen(function* () {
		const loaded = yield* loadCheckpoint(options.estimator);
		yield* checkLoadedWeights(loaded.model, options.estimator);
		const trajectories = yield* readModelTrajectories(options.input, loaded.model.config.vocabSize, "annotate");
		const fit = { contextLength: loaded.model.config.contextLength, maxNewTokens: ctx.config.rollout.maxNewTokens };
		const annotated = annotateProgress(loaded.model, trajectories, fit, {
			pad: loaded.codec.padId,
			noOps: ctx.config.progress.noOps,
		});
		yield* writeTrajectories(options.output, annotated);
		loaded.model.dispose();
		loaded.optimizer?.dispose();
		const steps = annotated.reduce((s, t) => s + t.steps.length, 0);
		ctx.log(`annotate: progress on ${steps} steps of ${annotated.length} trajectories → ${options.output}`);
		return { trajectories: annotated.length, steps };
	});
