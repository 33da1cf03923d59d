import { createHash } from "node:crypto";
import { type Effect, Schema } from "effect";
import { readJsonFile } from "../runs/json-file.ts";
import { fmt } from "./context.ts";

/** One evaluated episode, whatever played it. */
export interface EpisodeOutcome {
	/** The env's task id (`TaskInfo.id`). */
	readonly taskId: string;
	readonly taskType: string | undefined;
	readonly won: boolean;
	readonly score: number;
	readonly steps: number;
	readonly validSteps: number;
}

const figureFields = {
	success: Schema.Finite,
	score: Schema.Finite,
	grounding: Schema.Finite,
	length: Schema.Finite,
};

/** Success, score and grounding accuracy (share of executable actions) of a set of episodes. */
export const EvalFigures = Schema.Struct({ episodes: Schema.Int, ...figureFields });
export type EvalFigures = typeof EvalFigures.Type;

/**
 * One seed's figures, with each task's outcome (`1` won, `0` lost, in task order) and score (in task
 * order) for paired comparisons.
 */
const SeedFigures = Schema.Struct({
	seed: Schema.Int,
	...EvalFigures.fields,
	outcomes: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^[01]*$/))),
	scores: Schema.optionalKey(Schema.Array(Schema.Finite)),
	/** A digest of the seed's task ids in order: seeds of an env with a fixed task list (WebShop's test goals) play the same tasks. */
	tasks: Schema.optionalKey(Schema.String),
});

/** The report of `stepwise eval` (`eval.json`): figures per seed, mean ± std over seeds, overall and per task type. */
export const EvalReport = Schema.Struct({
	policy: Schema.String,
	spec: Schema.String,
	split: Schema.String,
	perSeed: Schema.Array(SeedFigures),
	mean: EvalFigures,
	std: Schema.Struct(figureFields),
	byType: Schema.Record(Schema.String, EvalFigures),
	/** A local model's steps whose prompt generation cut from the left to fit the context (a fraction). */
	truncatedPrompts: Schema.optionalKey(Schema.Number),
	/** The sampling temperature of a model's answers (`eval.temperature`); absent: greedy. */
	temperature: Schema.optionalKey(Schema.Number),
});
export type EvalReport = typeof EvalReport.Type;

/** A saved eval report that cannot be read back; `path` is the file. */
export class EvalReportError extends Schema.TaggedError<EvalReportError>()("EvalReportError", {
	path: Schema.String,
	message: Schema.String,
}) {}

/** Read and decode a saved report (e.g. a pipeline's `eval-sft.json` on `--resume`). */
export const readEvalReport = (path: string): Effect.Effect<EvalReport, EvalReportError> =>
	readJsonFile(path, EvalReport, "eval report", (message) => new EvalReportError({ path, message }));

/** Aggregate episode outcomes. */
export const figures = (episodes: ReadonlyArray<EpisodeOutcome>): EvalFigures => {
	const n = Math.max(1, episodes.length);
	const steps = episodes.reduce((s, e) => s + e.steps, 0);
	return {
		episodes: episodes.length,
		success: episodes.filter((e) => e.won).length / n,
		score: episodes.reduce((s, e) => s + e.score, 0) / n,
		grounding: steps === 0 ? 0 : episodes.reduce((s, e) => s + e.validSteps, 0) / steps,
		length: steps / n,
	};
};

/** The outcome string of a seed's episodes (`1` won, `0` lost). */
export const outcomeString = (episodes: ReadonlyArray<EpisodeOutcome>): string =>
	episodes.map((e) => (e.won ? "1" : "0")).join("");

/** A digest of a seed's task ids in order (16 hex digits of their SHA-256). */
export const taskListDigest = (episodes: ReadonlyArray<EpisodeOutcome>): string =>
	createHash("sha256")
		.update(episodes.map((e) => e.taskId).join("\n"))
		.digest("hex")
		.slice(0, 16);

/** The scores of a seed's episodes, in task order (rounded to 4 decimals). */
export const scoreList = (episodes: ReadonlyArray<EpisodeOutcome>): number[] =>
	episodes.map((e) => Math.round(e.score * 10_000) / 10_000);

/**
 * Two policies on the same tasks: the tasks only one of them won (or, for scores, where one scored
 * higher), and the exact two-sided sign test on them.
 */
export interface PairedComparison {
	readonly tasks: number;
	readonly onlyA: number;
	readonly onlyB: number;
	/** Probability of a split at least this uneven if either policy were as likely to win a discordant task. */
	readonly pValue: number;
}

/** Exact two-sided binomial (sign) test of `k` successes in `n` fair trials. */
export const signTest = (k: number, n: number): number => {
	if (n === 0) return 1;
	const tail = Math.min(k, n - k);
	let logC = 0;
	let sum = 0;
	for (let i = 0; i <= tail; i++) {
		if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
		sum += Math.exp(logC - n * Math.LN2);
	}
	return Math.min(1, 2 * sum);
};

type SeedFigures = typeof SeedFigures.Type;

/**
 * The seeds two reports share, as pairs; a seed whose task list (its `tasks` digest, in both reports)
 * repeats an earlier seed's is left out, so a fixed task list is counted once. Undefined when the
 * reports do not pair (spec, split or seeds differ).
 */
const pairedSeeds = (a: EvalReport, b: EvalReport): Array<readonly [SeedFigures, SeedFigures]> | undefined => {
	if (a.spec !== b.spec || a.split !== b.split || a.perSeed.length !== b.perSeed.length) return undefined;
	const out: Array<readonly [SeedFigures, SeedFigures]> = [];
	const seen = new Set<string>();
	for (const [i, sa] of a.perSeed.entries()) {
		const sb = b.perSeed[i];
		if (sb === undefined || sa.seed !== sb.seed) return undefined;
		const key = sa.tasks !== undefined && sa.tasks === sb.tasks ? sa.tasks : undefined;
		if (key !== undefined && seen.has(key)) continue;
		if (key !== undefined) seen.add(key);
		out.push([sa, sb]);
	}
	return out;
};

/**
 * Pair two reports task by task on a per-seed value (`onlyA`: the tasks where `a`'s is higher);
 * undefined when they do not pair or a seed lacks the value or has another task count.
 */
const pairOn = (
	a: EvalReport,
	b: EvalReport,
	valuesOf: (s: SeedFigures) => ReadonlyArray<number> | undefined,
): PairedComparison | undefined => {
	const seeds = pairedSeeds(a, b);
	if (seeds === undefined) return undefined;
	let tasks = 0;
	let onlyA = 0;
	let onlyB = 0;
	for (const [sa, sb] of seeds) {
		const xa = valuesOf(sa);
		const xb = valuesOf(sb);
		if (xa === undefined || xb === undefined || xa.length !== xb.length) return undefined;
		xa.forEach((x, t) => {
			const y = xb[t] as number;
			if (x > y) onlyA++;
			else if (y > x) onlyB++;
		});
		tasks += xa.length;
	}
	return { tasks, onlyA, onlyB, pValue: signTest(onlyA, onlyA + onlyB) };
};

/**
 * Pair two reports task by task (same spec, split, seeds and task counts, both with outcomes; a
 * seed that replays an earlier seed's tasks counted once): `onlyA` counts the tasks only `a` won.
 * Undefined when they do not pair (e.g. reports written before outcomes were saved).
 */
export const pairReports = (a: EvalReport, b: EvalReport): PairedComparison | undefined =>
	pairOn(a, b, (s) => (s.outcomes === undefined ? undefined : [...s.outcomes].map((c) => (c === "1" ? 1 : 0))));

/**
 * Pair two reports' scores task by task, as {@link pairReports} pairs outcomes: `onlyA` counts the
 * tasks where `a` scored higher. Undefined when they do not pair or a report has no scores.
 */
export const pairScores = (a: EvalReport, b: EvalReport): PairedComparison | undefined => pairOn(a, b, (s) => s.scores);

/**
 * Paired comparisons of several runs pooled into one: their tasks and one-sided wins summed, with the
 * sign test of the sums. Undefined when none is given or one did not pair.
 */
export const poolPaired = (pairs: ReadonlyArray<PairedComparison | undefined>): PairedComparison | undefined => {
	if (pairs.length === 0 || pairs.some((p) => p === undefined)) return undefined;
	const sum = (k: "tasks" | "onlyA" | "onlyB") => pairs.reduce((s, p) => s + (p?.[k] ?? 0), 0);
	return {
		tasks: sum("tasks"),
		onlyA: sum("onlyA"),
		onlyB: sum("onlyB"),
		pValue: signTest(sum("onlyA"), sum("onlyA") + sum("onlyB")),
	};
};

/** Whether a report's scores are partial (some between 0 and 1, as WebShop's), so a paired score test says more than the outcomes. */
export const hasPartialScores = (r: EvalReport): boolean =>
	r.perSeed.some((s) => s.scores?.some((x) => x > 0 && x < 1) ?? false);

/** Task types printed one a line; beyond this many, only the weakest are (every type is in `eval.json`). */
export const maxTypeLines = 8;

/** How a report's model answered: `greedy` or `sampled at temperature T`. */
export const decodingOf = (r: EvalReport): string =>
	r.temperature !== undefined ? `sampled at temperature ${r.temperature}` : "greedy";

/** The report as text lines: mean ± std over seeds, then per task type (the weakest {@link maxTypeLines} when there are more). */
export const formatEvalReport = (r: EvalReport): string => {
	const pm = (k: "success" | "score" | "grounding" | "length") => `${fmt(r.mean[k])} ± ${fmt(r.std[k])}`;
	const lines = [
		`eval ${r.policy} on ${r.spec} (${r.split}, ${r.perSeed.length} seeds × ${r.perSeed[0]?.episodes ?? 0} tasks${r.temperature !== undefined ? `, ${decodingOf(r)}` : ""}):`,
		`  success ${pm("success")}   score ${pm("score")}   grounding ${pm("grounding")}   length ${pm("length")}`,
	];
	for (const s of r.perSeed)
		lines.push(`  seed ${s.seed}: success ${fmt(s.success)}, score ${fmt(s.score)}, grounding ${fmt(s.grounding)}`);
	const types = Object.entries(r.byType);
	const typeLine = ([t, f]: (typeof types)[number]) =>
		`  type ${t}: success ${fmt(f.success)}, score ${fmt(f.score)}, grounding ${fmt(f.grounding)} (${f.episodes} episodes)`;
	if (types.length <= maxTypeLines) for (const entry of types) lines.push(typeLine(entry));
	else {
		// VirtualHome has 39 task types: the weakest few, and the rest in eval.json
		const weakest = [...types].sort(([a, x], [b, y]) => x.success - y.success || a.localeCompare(b));
		lines.push(`  ${types.length} task types; the ${maxTypeLines} with the lowest success (all in eval.json, byType):`);
		for (const entry of weakest.slice(0, maxTypeLines)) lines.push(typeLine(entry));
	}
	return lines.join("\n");
};
