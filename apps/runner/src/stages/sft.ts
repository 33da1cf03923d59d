import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "@stepwise/core";
import {
	buildTokenizer,
	CHECKPOINT_FILES,
	collectDemonstrations,
	demonstrationText,
	encodeDemonstrations,
	parameterCount,
	SftRun,
	saveCheckpoint,
	TransformerPolicy,
} from "@stepwise/core/policy/index";
import { Effect } from "effect";
import { Progress } from "../runs/progress.ts";
import type { RunDir } from "../runs/run-dir.ts";
import { envPool, fmt, type StageContext, taskRange, VALIDATION_OFFSET, yieldToEventLoop } from "./context.ts";

/** What the SFT stage reports (also saved as `sft.json` beside the checkpoint). */
export interface SftSummary {
	readonly checkpoint: string;
	readonly parameters: number;
	readonly demos: number;
	readonly expertWon: number;
	readonly steps: number;
	readonly bestStep: number;
	readonly bestValLoss: number;
	readonly stoppedBy: string;
	readonly seconds: number;
}

/** The SFT checkpoint of a run directory. */
export const sftDir = (run: RunDir): string => join(run.path, "sft");

/** True when a directory holds a complete policy checkpoint. */
export const hasCheckpoint = (dir: string): boolean => existsSync(join(dir, CHECKPOINT_FILES.config));

/**
 * SFT on expert demonstrations: the expert plays `sft.episodes` training tasks (the prompts in the
 * spec's style), a tokenizer is built from that text, a fresh policy is trained on the answer tokens
 * with early stopping on held-out demos, and the best weights are saved to `<run>/sft`. The loss
 * curve goes to `logTo` (metrics, TensorBoard, plot). Skipped (resumed) when the checkpoint exists.
 */
export const runSftStage = (ctx: StageContext, run: RunDir, logTo: RunDir = run): Effect.Effect<SftSummary, unknown> =>
	Effect.gen(function* () {
		const out = sftDir(run);
		const summaryPath = join(out, "sft.json");
		if (hasCheckpoint(out) && existsSync(summaryPath)) {
			ctx.log(`sft: done already (${out})`);
			return JSON.parse(readFileSync(summaryPath, "utf8")) as SftSummary;
		}
		const t0 = performance.now();
		const { config } = ctx;
		const [env] = yield* envPool(ctx, 1);
		if (env === undefined) return yield* Effect.die(new Error("no env"));
		const train = collectDemonstrations(env, taskRange(config.seed, config.env.trainSplit, config.sft.episodes));
		const val = collectDemonstrations(
			env,
			taskRange(config.seed, config.env.trainSplit, config.sft.validationEpisodes, VALIDATION_OFFSET),
		);
		const tokenizer = buildTokenizer(demonstrationText(train.demos));
		const modelConfig = { vocabSize: tokenizer.vocabSize, ...config.model };
		const trainEx = encodeDemonstrations(tokenizer, train.demos, modelConfig.contextLength);
		const valEx = encodeDemonstrations(tokenizer, val.demos, modelConfig.contextLength);
		const model = TransformerPolicy.init(modelConfig, config.seed);
		ctx.log(
			`sft: ${train.demos.length} expert steps from ${train.episodes} episodes (expert won ${train.won}), ${tokenizer.vocabSize} tokens, ${parameterCount(modelConfig)} parameters`,
		);
		const bar = new Progress({ label: "sft", total: config.sft.steps, unit: "step" });
		let last = 0;
		const sft = new SftRun(model, trainEx, valEx, {
			batchSize: config.sft.batchSize,
			learningRate: config.sft.lr,
			warmupSteps: config.sft.warmup,
			maxSteps: config.sft.steps,
			evalEvery: config.sft.evalEvery,
			patience: config.sft.patience,
			schedule: config.sft.schedule,
			seed: config.seed,
			...(config.sft.minutes > 0 ? { timeBudgetMs: config.sft.minutes * 60_000 } : {}),
			onEval: (p) => {
				bar.tick(p.step - last, { train_loss: p.trainLoss, val_loss: p.valLoss });
				last = p.step;
				logTo.log({ iteration: p.step, "sft/train_loss": p.trainLoss, "sft/val_loss": p.valLoss });
			},
		});
		const steps = Effect.gen(function* () {
			while (!sft.done) {
				sft.step();
				yield* yieldToEventLoop;
			}
		});
		yield* Effect.onInterrupt(steps, () =>
			Effect.sync(() => {
				bar.finish();
				sft.dispose();
				ctx.log(`sft: interrupted at step ${sft.steps}; SFT keeps no partial checkpoint, so a rerun starts it over`);
			}),
		);
		const result = sft.finish();
		bar.finish();
		yield* saveCheckpoint(out, {
			model,
			tokenizer,
			optimizer: result.optimizer,
			state: { kind: "stepwise-sft", step: result.steps, bestStep: result.bestStep },
		});
		const summary: SftSummary = {
			checkpoint: out,
			parameters: parameterCount(modelConfig),
			demos: train.demos.length,
			expertWon: train.won,
			steps: result.steps,
			bestStep: result.bestStep,
			bestValLoss: result.bestValLoss,
			stoppedBy: result.stoppedBy,
			seconds: (performance.now() - t0) / 1000,
		};
		yield* Effect.promise(() => logTo.writePlots([{ title: "sft_loss", keys: ["sft/train_loss", "sft/val_loss"] }]));
		writeFileAtomic(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
		ctx.log(
			`sft: ${result.steps} steps (${result.stoppedBy}), best validation loss ${fmt(result.bestValLoss, 4)} at step ${result.bestStep}, ${fmt(summary.seconds, 1)} s → ${out}`,
		);
		model.dispose();
		result.optimizer.dispose();
		return summary;
	});
