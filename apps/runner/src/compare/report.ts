import { meanStd } from "@stepwise/core/train/index";
import { lineChartSvg, type Series } from "../runs/plots.ts";
import { type EvalReport, pairReports, poolPaired } from "../stages/eval-report.ts";

/** One finished run of a comparison, as the report reads it. */
export interface CompareRun {
	readonly env: string;
	readonly label: string;
	readonly seed: number;
	readonly dir: string;
	readonly sft: EvalReport;
	readonly rl: EvalReport;
	/** Validation success (`eval/success`) against the run's environment steps. */
	readonly curve: ReadonlyArray<readonly [number, number]>;
	/** Training-rollout success (`charts/success`) against the run's environment steps. */
	readonly rolloutCurve: ReadonlyArray<readonly [number, number]>;
	/** Environment steps of RL's training episodes. */
	readonly envSteps: number;
	/** Environment steps of the exploration the method trained its progress estimator on (SPA; 0 otherwise). */
	readonly explorationSteps: number;
	readonly iterations: number;
	/** Seconds of RL (the iterations' wall time, rollouts, updates and periodic evaluation). */
	readonly seconds: number;
}

/** Tasks two methods split: pooled over seeds, each seed's evaluations paired task by task. */
export interface Paired {
	readonly tasks: number;
	readonly onlyA: number;
	readonly onlyB: number;
	readonly pValue: number;
}

/** One method's row of an environment's table. */
export interface CompareRow {
	readonly label: string;
	readonly seeds: number;
	readonly success: { readonly mean: number; readonly std: number };
	readonly sftSuccess: number;
	/** RL against its own SFT starting point, pooled over seeds. */
	readonly vsSft: Paired | undefined;
	/** Against the baseline method, pooled over seeds (undefined for the baseline itself). */
	readonly vsBaseline: Paired | undefined;
	readonly envSteps: number;
	readonly explorationSteps: number;
	readonly iterations: number;
	readonly minutes: number;
}

/** A claim of the papers, `a > b` or `a >= b` (`SFT` names the starting policy), checked on one environment. */
export interface ClaimCheck {
	readonly env: string;
	readonly claim: string;
	readonly delta: number;
	readonly paired: Paired | undefined;
	/** `>`: a ahead, significantly (p < 0.05); `>=`: a not significantly behind. undefined when a method is missing. */
	readonly holds: boolean | undefined;
}

/** Pool the per-seed paired comparisons of `a` against `b` (runs matched by seed). */
export const pool = (
	a: ReadonlyArray<CompareRun>,
	b: ReadonlyArray<CompareRun>,
	pick: (r: CompareRun) => EvalReport,
	pickB: (r: CompareRun) => EvalReport = pick,
): Paired | undefined =>
	poolPaired(
		a.flatMap((ra) => {
			const rb = b.find((r) => r.seed === ra.seed);
			return rb === undefined ? [] : [pairReports(pick(ra), pickB(rb))];
		}),
	);

/** The table of one environment: a row per method, in the order given. */
export const compareRows = (
	runs: ReadonlyArray<CompareRun>,
	labels: ReadonlyArray<string>,
	baseline: string,
): CompareRow[] => {
	const base = runs.filter((r) => r.label === baseline);
	return labels.flatMap((label) => {
		const mine = runs.filter((r) => r.label === label);
		if (mine.length === 0) return [];
		return [
			{
				label,
				seeds: mine.length,
				success: meanStd(mine.map((r) => r.rl.mean.success)),
				sftSuccess: meanStd(mine.map((r) => r.sft.mean.success)).mean,
				vsSft: pool(
					mine,
					mine,
					(r) => r.rl,
					(r) => r.sft,
				),
				vsBaseline: label === baseline ? undefined : pool(mine, base, (r) => r.rl),
				envSteps: meanStd(mine.map((r) => r.envSteps)).mean,
				explorationSteps: meanStd(mine.map((r) => r.explorationSteps)).mean,
				iterations: meanStd(mine.map((r) => r.iterations)).mean,
				minutes: meanStd(mine.map((r) => r.seconds / 60)).mean,
			},
		];
	});
};

/** Check claims such as `gigpo > grpo` or `ppo >= SFT` on one environment's runs. */
export const checkClaims = (
	env: string,
	runs: ReadonlyArray<CompareRun>,
	claims: ReadonlyArray<string>,
): ClaimCheck[] =>
	claims.map((claim) => {
		const m = /^\s*(\S+)\s*(>=|>)\s*(\S+)\s*$/.exec(claim);
		if (m === null) return { env, claim, delta: Number.NaN, paired: undefined, holds: undefined };
		const [, a = "", op, b = ""] = m;
		const ra = runs.filter((r) => r.label === a);
		const sft = b === "SFT";
		const rb = sft ? ra : runs.filter((r) => r.label === b);
		if (ra.length === 0 || rb.length === 0)
			return { env, claim, delta: Number.NaN, paired: undefined, holds: undefined };
		const sa = meanStd(ra.map((r) => r.rl.mean.success)).mean;
		const sb = meanStd(rb.map((r) => (sft ? r.sft : r.rl).mean.success)).mean;
		const paired = pool(
			ra,
			rb,
			(r) => r.rl,
			(r) => (sft ? r.sft : r.rl),
		);
		const delta = sa - sb;
		const significant = paired !== undefined && paired.pValue < 0.05;
		const holds = op === ">" ? delta > 0 && significant : delta >= 0 || !significant;
		return { env, claim, delta, paired, holds };
	});

const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : "–");
const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${x.toFixed(3)}` : "–");
const p = (x: Paired | undefined) =>
	x === undefined
		? "–"
		: `${x.onlyA}/${x.onlyB}, p = ${x.pValue < 1e-4 ? x.pValue.toExponential(1) : x.pValue.toFixed(4)}`;

/** One environment's table as Markdown. */
export const formatRows = (rows: ReadonlyArray<CompareRow>, baseline: string): string => {
	const baseMean = rows.find((r) => r.label === baseline)?.success.mean ?? Number.NaN;
	return [
		`| method | seeds | success (mean ± std) | SFT | RL − SFT | won/lost vs SFT, sign test | − ${baseline} | won/lost vs ${baseline}, sign test | env steps (RL + exploration) | iterations | RL minutes |`,
		"| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
		...rows.map(
			(r) =>
				`| ${r.label} | ${r.seeds} | ${f(r.success.mean)} ± ${f(r.success.std)} | ${f(r.sftSuccess)} | ${signed(r.success.mean - r.sftSuccess)} | ${p(r.vsSft)} | ${r.label === baseline ? "—" : signed(r.success.mean - baseMean)} | ${r.label === baseline ? "—" : p(r.vsBaseline)} | ${Math.round(r.envSteps)}${r.explorationSteps > 0 ? ` + ${Math.round(r.explorationSteps)}` : ""} | ${f(r.iterations, 1)} | ${f(r.minutes, 1)} |`,
		),
	].join("\n");
};

/** The claims as Markdown lines. */
export const formatClaims = (checks: ReadonlyArray<ClaimCheck>): string =>
	checks
		.map(
			(c) =>
				`- ${c.env}: **${c.claim}** — ${c.holds === undefined ? "not checked (a method is missing)" : c.holds ? "holds" : "does not hold"} (Δ success ${signed(c.delta)}; tasks won only by the first / only by the second: ${p(c.paired)})`,
		)
		.join("\n");

/** `curve` sampled at `xs` (linear between points, held flat beyond its ends; NaN when empty). */
export const sampleCurve = (curve: ReadonlyArray<readonly [number, number]>, xs: ReadonlyArray<number>): number[] =>
	xs.map((x) => {
		if (curve.length === 0) return Number.NaN;
		const first = curve[0] as readonly [number, number];
		const last = curve[curve.length - 1] as readonly [number, number];
		if (x <= first[0]) return first[1];
		if (x >= last[0]) return last[1];
		for (let i = 1; i < curve.length; i++) {
			const [x1, y1] = curve[i] as readonly [number, number];
			const [x0, y0] = curve[i - 1] as readonly [number, number];
			if (x <= x1) return x1 === x0 ? y1 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
		}
		return last[1];
	});

/** Success over environment steps, one line per method (mean over seeds) with a ± std band. */
export const successChart = (
	env: string,
	runs: ReadonlyArray<CompareRun>,
	labels: ReadonlyArray<string>,
	which: "curve" | "rolloutCurve",
	budget: number,
): string => {
	const xs = Array.from({ length: 21 }, (_, i) => (budget * i) / 20);
	const series: Series[] = labels.flatMap((label) => {
		const mine = runs.filter((r) => r.label === label && r[which].length > 0);
		if (mine.length === 0) return [];
		const sampled = mine.map((r) => sampleCurve(r[which], xs));
		const stats = xs.map((_, i) => meanStd(sampled.map((s) => s[i] as number)));
		return [
			{
				name: label,
				points: xs.map((x, i) => [x, (stats[i] as { mean: number }).mean] as const),
				band: xs.map((x, i) => {
					const s = stats[i] as { mean: number; std: number };
					return [x, s.mean - s.std, s.mean + s.std] as const;
				}),
			},
		];
	});
	return lineChartSvg(series, {
		title: `${env}: ${which === "curve" ? "validation success (greedy)" : "training-rollout success"} (mean ± std over seeds)`,
		xLabel: "environment steps of RL",
		yLabel: "success",
		width: 760,
		height: 460,
	});
};
