import { existsSync } from "node:fs";
import { join } from "node:path";
import type { OutputError, TrajectoryFileError } from "@stepwise/core";
import { type CheckpointError, loadCheckpoint } from "@stepwise/core/policy/index";
import { Effect, type FileSystem } from "effect";
import { writeRunFile } from "../runs/files.ts";
import { RunDir } from "../runs/run-dir.ts";
import { fmt, type StageContext } from "./context.ts";
import {
	decodingOf,
	type EvalReportError,
	hasPartialScores,
	pairReports,
	pairScores,
	readEvalReport,
} from "./eval-report.ts";
import { type EvalReport, type EvaluationError, evaluatePolicy, formatEvalReport } from "./evaluate.ts";
import { exploreFile, runExploreStage } from "./explore.ts";
import { annotatedFile, annotateStage, progressDir, trainProgressStage } from "./progress.ts";
import { needsProgress, type RlError, runRlStage } from "./rl.ts";
import { hasCheckpoint, runSftStage, type SftError, sftDir } from "./sft.ts";

/** What the pipeline can fail with: any of its stages' errors. */
export type PipelineError = SftError | RlError | EvaluationError | TrajectoryFileError | EvalReportError;

/** The pipeline's outcome: both evaluations (SFT and RL) and the run directory. */
export interface PipelineResult {
	readonly run: string;
	readonly sft: EvalReport;
	readonly rl: EvalReport;
	readonly seconds: number;
}

/**
 * Where the pipeline saves its final evaluation of the SFT or the RL policy (`eval-sft.json`,
 * `eval-rl.json`); a bare `{ path }` names it without making the directory, as a `RunDir` does.
 */
export const evalReportFile = (run: Pick<RunDir, "path">, which: "sft" | "rl"): string =>
	join(run.path, `eval-${which}.json`);

/** Evaluate a checkpoint into `path` (`eval-sft.json`, `eval-rl.json`), or read it back when it is there. */
export const cachedEval = (
	ctx: StageContext,
	path: string,
	checkpoint: string,
): Effect.Effect<
	EvalReport,
	EvaluationError | CheckpointError | EvalReportError | OutputError,
	FileSystem.FileSystem
> =>
	Effect.gen(function* () {
		if (existsSync(path)) {
			ctx.log(`eval: done already (${path})`);
			return yield* readEvalReport(path);
		}
		const loaded = yield* loadCheckpoint(checkpoint);
		loaded.optimizer?.dispose();
		const report = yield* evaluatePolicy(ctx, {
			kind: "model",
			policy: { model: loaded.model, codec: loaded.codec },
			name: checkpoint,
		});
		loaded.model.dispose();
		yield* writeRunFile(path, `${JSON.stringify(report, null, 2)}\n`);
		ctx.log(formatEvalReport(report));
		return report;
	});

/**
 * SPA's six steps in one run directory — SFT, exploration, progress-estimator training, per-step
 * progress prediction, RL, evaluation — each skipped when its output exists (so `--resume` continues
 * where a run stopped; RL resumes from its last checkpoint). Methods that need no progress estimator
 * skip steps 3–4, and step 2 too unless RL trains offline on the exploration (`train.data`). With
 * `from` (`--policy`), SFT starts from that policy (a Hugging Face model directory, with LoRA per
 * `lora.*`) instead of a fresh one.
 */
export const runPipeline = (
	ctx: StageContext,
	run: RunDir,
	from?: string,
): Effect.Effect<PipelineResult, PipelineError, FileSystem.FileSystem> =>
	Effect.gen(function* () {
		const t0 = performance.now();
		ctx.log(
			`pipeline: ${ctx.config.env.spec}, method ${ctx.config.method.name}, seed ${ctx.config.seed} → ${run.path}`,
		);
		ctx.log(`[1/6] SFT on expert demonstrations${from !== undefined ? ` from ${from}` : ""}`);
		yield* runSftStage(ctx, run, new RunDir(join(run.path, "sft-logs")), from);
		const policy = sftDir(run);
		let progress: string | undefined;
		const explored = exploreFile(run);
		const offline = ctx.config.train.data === "exploration";
		const estimator = needsProgress(ctx);
		if (estimator || offline) {
			ctx.log("[2/6] exploration with the SFT policy");
			if (existsSync(explored)) ctx.log(`explore: done already (${explored})`);
			else yield* runExploreStage(ctx, policy, explored);
		} else ctx.log(`[2-4/6] skipped: ${ctx.config.method.name} uses no progress estimator`);
		if (estimator) {
			const annotated = annotatedFile(run);
			progress = progressDir(run);
			ctx.log("[3/6] progress estimator");
			if (hasCheckpoint(progress)) ctx.log(`progress: done already (${progress})`);
			else yield* trainProgressStage(ctx, { policyDir: policy, trajectories: explored, output: progress });
			ctx.log("[4/6] per-step progress prediction");
			if (existsSync(annotated)) ctx.log(`annotate: done already (${annotated})`);
			else yield* annotateStage(ctx, { estimator: progress, input: explored, output: annotated });
		} else if (offline) ctx.log(`[3-4/6] skipped: ${ctx.config.method.name} uses no progress estimator`);
		ctx.log(`[5/6] RL (${ctx.config.method.name}${offline ? ", offline on the exploration" : ""})`);
		const trajectories = offline ? (progress !== undefined ? annotatedFile(run) : explored) : undefined;
		const rl = yield* runRlStage(ctx, run, { policy, progress, trajectories });
		ctx.log("[6/6] evaluation");
		const sftReport = yield* cachedEval(ctx, evalReportFile(run, "sft"), policy);
		const rlReport = yield* cachedEval(ctx, evalReportFile(run, "rl"), rl.checkpoint);
		const result = { run: run.path, sft: sftReport, rl: rlReport, seconds: (performance.now() - t0) / 1000 };
		const table = formatPipelineTable(result);
		yield* writeRunFile(join(run.path, "results.md"), `${table}\n`);
		ctx.log(`\n${table}`);
		return result;
	});

/** The final table: SFT vs RL on the held-out tasks, mean ± std over seeds. */
export const formatPipelineTable = (r: PipelineResult): string => {
	const row = (name: string, e: EvalReport) =>
		`| ${name.padEnd(6)} | ${`${fmt(e.mean.success)} ± ${fmt(e.std.success)}`.padEnd(13)} | ${`${fmt(e.mean.score)} ± ${fmt(e.std.score)}`.padEnd(13)} | ${`${fmt(e.mean.grounding)} ± ${fmt(e.std.grounding)}`.padEnd(13)} |`;
	const seeds = r.sft.perSeed.length;
	const tasks = r.sft.perSeed[0]?.episodes ?? 0;
	const paired = pairReports(r.rl, r.sft);
	const scores = hasPartialScores(r.sft) || hasPartialScores(r.rl) ? pairScores(r.rl, r.sft) : undefined;
	return [
		`${r.sft.spec}, ${r.sft.split} split, ${seeds} seeds × ${tasks} tasks, ${decodingOf(r.sft)} (mean ± std over seeds):`,
		"| policy | success       | score         | grounding     |",
		"| ------ | ------------- | ------------- | ------------- |",
		row("SFT", r.sft),
		row("RL", r.rl),
		`RL − SFT success: ${r.rl.mean.success - r.sft.mean.success >= 0 ? "+" : ""}${fmt(r.rl.mean.success - r.sft.mean.success)}; run ${r.run} (${fmt(r.seconds / 60, 1)} min)`,
		...(paired !== undefined
			? [
					`Paired over the same ${paired.tasks} tasks: RL won ${paired.onlyA} that SFT lost, SFT won ${paired.onlyB} that RL lost (two-sided sign test p = ${fmt(paired.pValue)}).`,
				]
			: []),
		...(scores !== undefined
			? [
					`Paired scores: RL scored higher on ${scores.onlyA} tasks, SFT on ${scores.onlyB} (two-sided sign test p = ${fmt(scores.pValue)}); RL − SFT score: ${r.rl.mean.score - r.sft.mean.score >= 0 ? "+" : ""}${fmt(r.rl.mean.score - r.sft.mean.score)}.`,
				]
			: []),
	].join("\n");
};
