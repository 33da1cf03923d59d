import { existsSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { EnvConfigError, ManagedEnv, OutputError, ResetRequest } from "@stepwise/core";
import { llamaFromSize } from "@stepwise/core/hf/config";
import { LlamaPolicy } from "@stepwise/core/hf/llama";
import {
	buildTokenizer,
	CHECKPOINT_FILES,
	type CheckpointEnv,
	CheckpointError,
	collectDemonstrations,
	type Demonstration,
	type DemonstrationOptions,
	demonstrationText,
	encodeDemonstrationSetWith,
	loadCheckpoint,
	type Policy,
	type PolicyModel,
	type PromptCodec,
	type SftOptions,
	SftRun,
	SftRunState,
	type SftSnapshot,
	saveCheckpoint,
	stepwisePromptCodec,
	TransformerPolicy,
} from "@stepwise/core/policy/index";
import * as tf from "@tensorflow/tfjs-core";
import { Effect, type FileSystem, Schema } from "effect";
import { ConfigError } from "../config/overrides.ts";
import { NonFiniteError, type RolloutWorkersError } from "../errors.ts";
import { writeRunFile } from "../runs/files.ts";
import { readJsonFile } from "../runs/json-file.ts";
import { Progress } from "../runs/progress.ts";
import { isSftRow, type RunDir } from "../runs/run-dir.ts";
import {
	checkpointEnvOf,
	envPool,
	fmt,
	promptStyleOf,
	type StageContext,
	startRolloutPool,
	taskRange,
	VALIDATION_OFFSET,
	yieldToEventLoop,
} from "./context.ts";
import { checkLoadedWeights, checkTrainedWeights } from "./finite.ts";
import { loadModelPolicy, loraSpecOf, type PolicyLoadError } from "./policy-load.ts";

/** What the SFT stage reports (also saved as `sft.json` beside the checkpoint). */
export const SftSummary = Schema.Struct({
	checkpoint: Schema.String,
	parameters: Schema.Int,
	demos: Schema.Int,
	expertWon: Schema.Int,
	steps: Schema.Int,
	bestStep: Schema.Int,
	bestValLoss: Schema.Number,
	stoppedBy: Schema.String,
	/** Seconds of this process (a resumed SFT counts from its resumption). */
	seconds: Schema.Number,
	/** The step SFT resumed from (`sft.partial`), when it did. */
	resumedFrom: Schema.optionalKey(Schema.Int),
	/** Training demonstrations left out because their answer alone does not fit `model.contextLength`. */
	droppedDemos: Schema.optionalKey(Schema.Int),
	/** Training examples whose prompt lost tokens from the left to fit `model.contextLength`. */
	truncatedPrompts: Schema.optionalKey(Schema.Int),
	/** The policy SFT started from (`--policy`: a Hugging Face model directory or a checkpoint), when not a fresh one. */
	from: Schema.optionalKey(Schema.String),
});
export type SftSummary = typeof SftSummary.Type;

/**
 * What of the training demonstrations did not fit the context, and the warnings to print: the
 * fraction dropped (answers longer than the context) and the fraction whose prompt was cut.
 */
export const demonstrationFit = (
	demos: number,
	set: { readonly dropped: number; readonly truncated: number },
	contextLength: number,
): { readonly dropped: number; readonly truncated: number; readonly warnings: ReadonlyArray<string> } => {
	const pct = (n: number) => `${((100 * n) / Math.max(1, demos)).toFixed(1)} %`;
	const warnings: string[] = [];
	if (set.dropped > 0)
		warnings.push(
			`sft: warning: ${set.dropped} of ${demos} expert steps (${pct(set.dropped)}) are left out: their answers do not fit model.contextLength ${contextLength}`,
		);
	if (set.truncated > 0)
		warnings.push(
			`sft: warning: ${set.truncated} of ${demos} expert steps (${pct(set.truncated)}) lose the start of their prompt to fit model.contextLength ${contextLength}`,
		);
	return { dropped: set.dropped, truncated: set.truncated, warnings };
};

/** The SFT checkpoint of a run directory. */
export const sftDir = (run: RunDir): string => join(run.path, "sft");

/** SFT in progress: the weights, Adam state and {@link SftRunState} of the last validation (or interrupt), and `best/`. */
export const sftPartialDir = (run: RunDir): string => join(run.path, "sft.partial");

/** True when a directory holds a complete policy checkpoint. */
export const hasCheckpoint = (dir: string): boolean => existsSync(join(dir, CHECKPOINT_FILES.config));

/**
 * Save SFT in progress to `<run>/sft.partial`: written to `sft.partial.tmp`, then the previous save
 * is moved to `sft.partial.old` while the new one takes its place, so a kill at any point leaves a
 * complete save in one of the two (see {@link partialToResume}).
 */
const savePartial = (run: RunDir, model: PolicyModel, codec: PromptCodec, sft: SftRun, env: CheckpointEnv) =>
	Effect.gen(function* () {
		const snap = sft.snapshot();
		const dir = sftPartialDir(run);
		const tmp = `${dir}.tmp`;
		rmSync(tmp, { recursive: true, force: true });
		yield* saveCheckpoint(tmp, { model, codec, optimizer: sft.optimizer, state: snap.state, env });
		const best = snap.bestWeights;
		if (best !== undefined) {
			const bestModel = model.copy();
			tf.tidy(() => {
				for (const [i, v] of bestModel.variables().entries()) v.assign(tf.tensor(best[i] as Float32Array, v.shape));
			});
			yield* saveCheckpoint(join(tmp, "best"), { model: bestModel, codec, env });
			bestModel.dispose();
		}
		const previous = `${dir}.old`;
		rmSync(previous, { recursive: true, force: true });
		if (existsSync(dir)) renameSync(dir, previous);
		renameSync(tmp, dir);
		rmSync(previous, { recursive: true, force: true });
	});

/** The save to resume SFT from: `sft.partial`, or the previous one when a kill fell between the two renames. */
const partialToResume = (run: RunDir): string | undefined => {
	const dir = sftPartialDir(run);
	return [dir, `${dir}.old`].find(hasCheckpoint);
};

/** Load SFT in progress from `<run>/sft.partial`: the model, its codec, the Adam state and the run's snapshot. */
const loadPartial = (dir: string) =>
	Effect.gen(function* () {
		const loaded = yield* loadCheckpoint(dir);
		const state = yield* Schema.decodeUnknownEffect(SftRunState)(loaded.state).pipe(
			Effect.mapError(
				(e) =>
					new CheckpointError({
						path: join(dir, CHECKPOINT_FILES.state),
						message: `not an SFT run state: ${e.message}`,
					}),
			),
		);
		let bestWeights: Float32Array[] | undefined;
		if (hasCheckpoint(join(dir, "best"))) {
			const best = yield* loadCheckpoint(join(dir, "best"));
			const values = yield* Effect.promise(() => best.model.readValues());
			bestWeights = [...loaded.model.params.keys()].map((k) => values.get(k) ?? new Float32Array(0));
			best.model.dispose();
		}
		const snapshot: SftSnapshot = { state, bestWeights };
		return { ...loaded, snapshot };
	});

/** What SFT can fail with: an env option, a model that cannot fit its data, a partial save, a write, divergence, the workers. */
export type SftError =
	| EnvConfigError
	| ConfigError
	| CheckpointError
	| OutputError
	| NonFiniteError
	| RolloutWorkersError
	| PolicyLoadError;

/**
 * The expert's demonstrations on `tasks`, collected in chunks of 64 episodes with the event loop let
 * run between them, so Ctrl-C / SIGTERM stop a large collection at once (the same demos as one call).
 */
const demonstrations = (env: ManagedEnv, tasks: ReadonlyArray<ResetRequest>, options: DemonstrationOptions = {}) =>
	Effect.gen(function* () {
		const demos: Demonstration[] = [];
		let won = 0;
		let perturbed = 0;
		let failed = 0;
		for (let i = 0; i < tasks.length; i += 64) {
			const part = collectDemonstrations(env, tasks.slice(i, i + 64), options);
			demos.push(...part.demos);
			won += part.won;
			perturbed += part.perturbed;
			failed += part.failed;
			yield* yieldToEventLoop;
		}
		return { demos, episodes: tasks.length, won, perturbed, failed };
	});

/**
 * SFT on expert demonstrations: the expert plays `sft.episodes` training tasks (the prompts in the
 * spec's style), a tokenizer is built from that text, a fresh policy is trained on the answer tokens
 * with early stopping on held-out demos, and the best weights are saved to `<run>/sft`. With `from`
 * (`--policy`), SFT starts from that policy instead, in its own tokenizer and prompt format: a
 * Hugging Face model directory (`hf:DIR`: its chat template frames the prompts and the answer is
 * the assistant turn; with `lora.enabled` only fresh LoRA adapters train on the frozen base) or a
 * checkpoint. The loss
 * curve goes to `logTo` (metrics, TensorBoard, plot). Skipped when the checkpoint exists. At every
 * validation, and when stopped (Ctrl-C / SIGTERM), the run in progress is saved to
 * `<run>/sft.partial`, from which a rerun continues exactly where it stopped.
 */
export const runSftStage = (
	ctx: StageContext,
	run: RunDir,
	logTo: RunDir = run,
	from?: string,
): Effect.Effect<SftSummary, SftError, FileSystem.FileSystem> => Effect.scoped(sftStage(ctx, run, logTo, from));

const sftStage = (ctx: StageContext, run: RunDir, logTo: RunDir, from: string | undefined) =>
	Effect.gen(function* () {
		const out = sftDir(run);
		const summaryPath = join(out, "sft.json");
		if (hasCheckpoint(out) && existsSync(summaryPath)) {
			ctx.log(`sft: done already (${out})`);
			return yield* readJsonFile(
				summaryPath,
				SftSummary,
				"SFT summary",
				(message) => new CheckpointError({ path: summaryPath, message }),
			);
		}
		const t0 = performance.now();
		const { config } = ctx;
		const [env] = yield* envPool(ctx, 1);
		if (env === undefined) return yield* Effect.die(new Error("no env"));
		const style = promptStyleOf(ctx);
		const recorded = checkpointEnvOf(ctx);
		const train = yield* demonstrations(env, taskRange(config.seed, config.env.trainSplit, config.sft.episodes), {
			style,
			noise: config.sft.demoNoise,
			failures: config.sft.demoFailures,
			noiseSeed: config.seed,
		});
		const val = yield* demonstrations(
			env,
			taskRange(config.seed, config.env.trainSplit, config.sft.validationEpisodes, VALIDATION_OFFSET),
			{ style },
		);
		const partialDir = partialToResume(run);
		const partial = partialDir !== undefined ? yield* loadPartial(partialDir) : undefined;
		// the policy to start from: SFT in progress, --policy (a Hugging Face model or a checkpoint), or a fresh one
		const start: Policy | undefined =
			partial !== undefined
				? { model: partial.model, codec: partial.codec }
				: from !== undefined
					? yield* startingPolicy(from, config)
					: undefined;
		const { arch, nKvHeads, ropeTheta, ...size } = config.model;
		const codec =
			start?.codec ??
			stepwisePromptCodec(
				buildTokenizer(demonstrationText(train.demos), {
					maxVocab: config.sft.vocabSize,
					chunking: config.sft.chunking,
				}),
			);
		const modelConfig = { vocabSize: codec.vocabSize, ...size };
		// a given policy brings its own context (a Hugging Face model's max_position_embeddings)
		const contextLength = start?.model.config.contextLength ?? modelConfig.contextLength;
		const trainSet = encodeDemonstrationSetWith(codec, train.demos, contextLength);
		const trainEx = trainSet.examples;
		const valEx = encodeDemonstrationSetWith(codec, val.demos, contextLength).examples;
		if (trainEx.length === 0 || valEx.length === 0)
			return yield* new ConfigError({
				key: "model.contextLength",
				source: "config",
				message: `config key model.contextLength: no expert answer fits in ${contextLength} tokens (${trainEx.length} training, ${valEx.length} validation examples)`,
			});
		const model =
			start?.model ??
			(arch === "llama"
				? LlamaPolicy.init(llamaFromSize(modelConfig, nKvHeads, ropeTheta), config.seed)
				: TransformerPolicy.init(modelConfig, config.seed));
		const trainable = model.variables().reduce((n, v) => n + v.size, 0);
		ctx.log(
			`sft: ${train.demos.length} expert steps from ${train.episodes} episodes (expert won ${train.won}${train.perturbed > 0 ? `, ${train.perturbed} random steps of demoNoise ${config.sft.demoNoise}` : ""}${train.failed > 0 ? `, ${train.failed} rejected commands of demoFailures ${config.sft.demoFailures}` : ""}), a vocabulary of ${codec.vocabSize} tokens, ${model.parameterCount} parameters${trainable < model.parameterCount ? ` (${trainable} trainable: LoRA rank ${config.lora.rank} on ${config.lora.targets.join(", ")})` : ""}${from !== undefined && partial === undefined ? `, from ${from}` : ""}`,
		);
		const fit = demonstrationFit(train.demos.length, trainSet, contextLength);
		for (const line of fit.warnings) ctx.log(line);
		if (fit.dropped > 0 || fit.truncated > 0)
			logTo.log({ iteration: 0, "sft/dropped_demos": fit.dropped, "sft/truncated_prompts": fit.truncated });
		// workers compute shares of each step's micro-batches (the same policy with any number of them)
		const parallel = config.rollout.workers > 0 && config.sft.microBatchSize < config.sft.batchSize;
		const pool = parallel ? yield* startRolloutPool(ctx, { model, codec }, 1, "SFT gradients") : undefined;
		const resumedAt = partial?.snapshot.state.steps ?? 0;
		const bar = new Progress({ label: "sft", total: config.sft.steps, unit: "step", initial: resumedAt });
		let last = resumedAt;
		const started = performance.now();
		/** The step of the first validation whose training or validation loss was not finite. */
		let diverged: number | undefined;
		const options: SftOptions = {
			batchSize: config.sft.batchSize,
			microBatchSize: config.sft.microBatchSize,
			...(pool !== undefined ? { helpers: pool } : {}),
			learningRate: config.sft.lr,
			warmupSteps: config.sft.warmup,
			maxSteps: config.sft.steps,
			evalEvery: config.sft.evalEvery,
			patience: config.sft.patience,
			schedule: config.sft.schedule,
			seed: config.seed,
			...(config.sft.minutes > 0 ? { timeBudgetMs: config.sft.minutes * 60_000 } : {}),
			onEval: (p) => {
				if (diverged === undefined && !(Number.isFinite(p.trainLoss) && Number.isFinite(p.valLoss))) diverged = p.step;
				bar.tick(p.step - last, { train_loss: p.trainLoss, val_loss: p.valLoss }, true);
				last = p.step;
				logTo.log({ iteration: p.step, "sft/train_loss": p.trainLoss, "sft/val_loss": p.valLoss });
			},
		};
		let sft: SftRun;
		if (partial !== undefined) {
			const resumed = yield* Effect.try({
				try: () =>
					SftRun.resume(
						model,
						trainEx,
						valEx,
						{ ...options, ...(partial.optimizer !== undefined ? { optimizer: partial.optimizer } : {}) },
						partial.snapshot,
					),
				catch: (e) =>
					new CheckpointError({
						path: partialDir ?? sftPartialDir(run),
						message: `${partialDir} does not fit this run's config: ${e instanceof Error ? e.message : String(e)}`,
					}),
			});
			sft = resumed;
			logTo.truncateMetrics(resumedAt, isSftRow);
			ctx.log(`sft: resuming from ${partialDir} at step ${resumedAt}`);
		} else sft = new SftRun(model, trainEx, valEx, options);
		const steps = Effect.gen(function* () {
			while (!sft.done) {
				const point = sft.step();
				if (diverged !== undefined) {
					bar.finish();
					sft.dispose();
					return yield* new NonFiniteError({
						what: "sft loss",
						message: `sft: the loss is not finite at step ${diverged} (sft.lr ${config.sft.lr} is too high?); nothing was saved`,
					});
				}
				if (point === undefined && sft.steps > last) {
					// between validations: the running loss and the throughput (a plain line every 10 s off a TTY)
					const seconds = (performance.now() - started) / 1000;
					bar.tick(sft.steps - last, { loss: sft.runningLoss, "tok/s": Math.round(sft.tokensTrained / seconds) });
					last = sft.steps;
				}
				if (point !== undefined && !sft.done) yield* savePartial(run, model, codec, sft, recorded);
				yield* yieldToEventLoop;
			}
		});
		yield* Effect.onInterrupt(steps, () =>
			Effect.gen(function* () {
				bar.finish();
				yield* savePartial(run, model, codec, sft, recorded);
				sft.dispose();
				ctx.log(`sft: interrupted at step ${sft.steps}; saved to ${sftPartialDir(run)}, from which --resume continues`);
			}).pipe(Effect.orDie),
		);
		const result = sft.finish();
		bar.finish();
		yield* checkTrainedWeights(model, "sft.lr");
		yield* saveCheckpoint(out, {
			model,
			codec,
			optimizer: result.optimizer,
			state: { kind: "stepwise-sft", step: result.steps, bestStep: result.bestStep },
			env: recorded,
		});
		for (const d of [sftPartialDir(run), `${sftPartialDir(run)}.old`]) rmSync(d, { recursive: true, force: true });
		const summary: SftSummary = {
			checkpoint: out,
			parameters: model.parameterCount,
			demos: train.demos.length,
			expertWon: train.won,
			steps: result.steps,
			bestStep: result.bestStep,
			bestValLoss: result.bestValLoss,
			stoppedBy: result.stoppedBy,
			seconds: (performance.now() - t0) / 1000,
			...(partial !== undefined ? { resumedFrom: resumedAt } : {}),
			droppedDemos: fit.dropped,
			truncatedPrompts: fit.truncated,
			...(from !== undefined ? { from } : {}),
		};
		yield* Effect.promise(() => logTo.writePlots([{ title: "sft_loss", keys: ["sft/train_loss", "sft/val_loss"] }]));
		yield* writeRunFile(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
		ctx.log(
			`sft: ${result.steps} steps (${result.stoppedBy}), best validation loss ${fmt(result.bestValLoss, 4)} at step ${result.bestStep}, ${fmt(summary.seconds, 1)} s → ${out}`,
		);
		model.dispose();
		result.optimizer.dispose();
		return summary;
	});

/** The policy `--policy` names for SFT to start from (LoRA per `lora.*` on a Hugging Face model), its weights checked. */
const startingPolicy = (from: string, config: StageContext["config"]) =>
	Effect.gen(function* () {
		const loaded = yield* loadModelPolicy(from, loraSpecOf(config));
		loaded.optimizer?.dispose();
		yield* checkLoadedWeights(loaded.policy.model, from);
		return loaded.policy;
	});
