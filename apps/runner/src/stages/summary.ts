import { basename, join } from "node:path";
import { meanStd } from "@stepwise/core/train/index";
import { Effect, Schema } from "effect";
import { readJsonFile } from "../runs/json-file.ts";
import { RunDir } from "../runs/run-dir.ts";
import { fmt } from "./context.ts";
import {
	decodingOf,
	type EvalReport,
	hasPartialScores,
	type PairedComparison,
	pairReports,
	pairScores,
	poolPaired,
	readEvalReport,
} from "./eval-report.ts";
import { evalReportFile } from "./pipeline.ts";
import { SftSummary, sftDir } from "./sft.ts";

/** Runs that cannot be tabled together: a file is missing or malformed, or they evaluate different things. */
export class RunSummaryError extends Schema.TaggedError<RunSummaryError>()("RunSummaryError", {
	path: Schema.String,
	message: Schema.String,
}) {}

/** One finished pipeline run, as the summary reads it. */
export interface RunFigures {
	readonly dir: string;
	readonly sft: EvalReport;
	readonly rl: EvalReport;
	readonly sftSteps: number;
	/** Seconds of the SFT stage (demonstrations, training, validations; a resumed SFT counts from its resumption). */
	readonly sftSeconds: number;
	readonly iterations: number;
	/** Seconds of RL: its iterations' wall time. */
	readonly rlSeconds: number;
}

/** Read a finished pipeline run: its two evaluations, its SFT summary and its RL metrics. */
export const readRunFigures = (dir: string): Effect.Effect<RunFigures, RunSummaryError> =>
	Effect.gen(function* () {
		const run = new RunDir(dir);
		const fail = (path: string) => (e: { readonly message: string }) =>
			new RunSummaryError({ path, message: e.message });
		const sft = yield* Effect.mapError(readEvalReport(evalReportFile(run, "sft")), fail(evalReportFile(run, "sft")));
		const rl = yield* Effect.mapError(readEvalReport(evalReportFile(run, "rl")), fail(evalReportFile(run, "rl")));
		const sftFile = join(sftDir(run), "sft.json");
		const summary = yield* readJsonFile(
			sftFile,
			SftSummary,
			"SFT summary",
			(message) => new RunSummaryError({ path: sftFile, message }),
		);
		const rows = run.readMetrics().filter((r) => typeof r["time/iteration_s"] === "number");
		return {
			dir,
			sft,
			rl,
			sftSteps: summary.steps,
			sftSeconds: summary.seconds,
			iterations: rows.at(-1)?.iteration ?? 0,
			rlSeconds: rows.reduce((s, r) => s + (r["time/iteration_s"] as number), 0),
		};
	});

/** The figures of runs of one recipe (e.g. its seeds 0, 1, 2): mean ± std over the runs, paired tests pooled over them. */
export interface RunsSummary {
	readonly runs: ReadonlyArray<RunFigures>;
	/** RL against SFT on success, each run's evaluations paired task by task, pooled over the runs. */
	readonly success: PairedComparison | undefined;
	/** The same on scores, where they are partial (WebShop); undefined otherwise. */
	readonly score: PairedComparison | undefined;
}

/**
 * Summarise runs that evaluated the same spec and split with the same tasks per seed and decoding
 * (a `RunSummaryError` naming the first run that differs otherwise).
 */
export const summariseRuns = (runs: ReadonlyArray<RunFigures>): Effect.Effect<RunsSummary, RunSummaryError> =>
	Effect.gen(function* () {
		const first = runs[0];
		if (first === undefined) return yield* new RunSummaryError({ path: "", message: "no runs to summarise" });
		const shape = (r: EvalReport) =>
			`${r.spec}, ${r.split} split, ${r.perSeed.length} seeds × ${r.perSeed[0]?.episodes ?? 0} tasks, ${decodingOf(r)}`;
		for (const run of runs)
			for (const report of [run.sft, run.rl])
				if (shape(report) !== shape(first.sft))
					return yield* new RunSummaryError({
						path: run.dir,
						message: `${run.dir} evaluated ${shape(report)}, ${first.dir} ${shape(first.sft)}: only runs of one evaluation can be tabled together`,
					});
		const partial = runs.some((r) => hasPartialScores(r.sft) || hasPartialScores(r.rl));
		return {
			runs,
			success: poolPaired(runs.map((r) => pairReports(r.rl, r.sft))),
			score: partial ? poolPaired(runs.map((r) => pairScores(r.rl, r.sft))) : undefined,
		};
	});

const signed = (x: number) => `${x >= 0 ? "+" : ""}${fmt(x)}`;
const pm = (xs: ReadonlyArray<number>) => {
	const { mean, std } = meanStd(xs);
	return `${fmt(mean)} ± ${fmt(std)}`;
};
const pText = (p: PairedComparison) => `p = ${p.pValue < 1e-4 ? p.pValue.toExponential(1) : fmt(p.pValue, 4)}`;

/** The summary as Markdown: a row per run, then SFT and RL as mean ± std over the runs and the pooled paired tests. */
export const formatRunsSummary = (s: RunsSummary): string => {
	const first = s.runs[0];
	if (first === undefined) return "";
	const r = first.sft;
	const mean = (xs: ReadonlyArray<number>) => meanStd(xs).mean;
	const of = (pick: (run: RunFigures) => EvalReport, k: "success" | "score" | "grounding") =>
		s.runs.map((run) => pick(run).mean[k]);
	return [
		`${r.spec}, ${r.split} split, ${r.perSeed.length} evaluation seeds × ${r.perSeed[0]?.episodes ?? 0} tasks, ${decodingOf(r)}; ${s.runs.length} training runs:`,
		"",
		"| run | SFT success | SFT score | RL success | RL score | SFT steps | SFT minutes | RL iterations | RL minutes |",
		"| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
		...s.runs.map(
			(run) =>
				`| ${basename(run.dir)} | ${fmt(run.sft.mean.success)} | ${fmt(run.sft.mean.score)} | ${fmt(run.rl.mean.success)} | ${fmt(run.rl.mean.score)} | ${run.sftSteps} | ${fmt(run.sftSeconds / 60, 1)} | ${run.iterations} | ${fmt(run.rlSeconds / 60, 1)} |`,
		),
		"",
		"| policy | success (mean ± std over runs) | score | grounding |",
		"| --- | --- | --- | --- |",
		`| SFT | ${pm(of((x) => x.sft, "success"))} | ${pm(of((x) => x.sft, "score"))} | ${pm(of((x) => x.sft, "grounding"))} |`,
		`| RL | ${pm(of((x) => x.rl, "success"))} | ${pm(of((x) => x.rl, "score"))} | ${pm(of((x) => x.rl, "grounding"))} |`,
		"",
		`RL − SFT: success ${signed(mean(of((x) => x.rl, "success")) - mean(of((x) => x.sft, "success")))}, score ${signed(mean(of((x) => x.rl, "score")) - mean(of((x) => x.sft, "score")))}.`,
		...(s.success !== undefined
			? [
					`Paired over ${s.success.tasks} tasks (each run's evaluations task by task, pooled over the runs): RL won ${s.success.onlyA} that SFT lost, SFT won ${s.success.onlyB} that RL lost (two-sided sign test ${pText(s.success)}).`,
				]
			: ["Not paired: a run's evaluations lack per-task outcomes."]),
		...(s.score !== undefined
			? [
					`Paired scores: RL scored higher on ${s.score.onlyA} tasks, SFT on ${s.score.onlyB} (two-sided sign test ${pText(s.score)}).`,
				]
			: []),
	].join("\n");
};
