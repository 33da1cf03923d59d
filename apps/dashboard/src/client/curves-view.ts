/**
 * Curves: one metric of `metrics.jsonl` over iterations for several runs on one chart (Vega-Lite),
 * with TensorBoard-style smoothing and, for runs that differ only by seed, their mean ± std band.
 * Exports the chart as SVG or PNG.
 */
import embed, { type Result as EmbedResult } from "vega-embed";
import type { TopLevelSpec } from "vega-lite";
import { KeysResponse, MetricsResponse, type RunSummary, RunsResponse } from "../api.ts";
import { get, query } from "./api.ts";
import { fill, h, select } from "./dom.ts";
import { selectedRuns } from "./runs-view.ts";
import { routeParams, setRouteParams, type View } from "./view.ts";

/** A plotted point: series label, x, y and (for a seed mean) the band. */
interface Point {
	readonly series: string;
	readonly x: number;
	readonly y: number;
	readonly lo?: number;
	readonly hi?: number;
	readonly runs?: number;
}

/** Exponential moving average with TensorBoard's debiasing (weight 0: the raw values). */
export const smooth = (ys: ReadonlyArray<number>, weight: number): number[] => {
	if (weight <= 0) return [...ys];
	let last = 0;
	return ys.map((y, i) => {
		last = last * weight + (1 - weight) * y;
		return last / (1 - weight ** (i + 1));
	});
};

/** Mean and sample std over the runs at each x (runs lacking an x do not count there). */
export const meanBand = (
	series: string,
	runs: ReadonlyArray<{ readonly x: ReadonlyArray<number>; readonly y: ReadonlyArray<number> }>,
): Point[] => {
	const at = new Map<number, number[]>();
	for (const r of runs)
		r.x.forEach((x, i) => {
			const ys = at.get(x) ?? [];
			ys.push(r.y[i] as number);
			at.set(x, ys);
		});
	return [...at]
		.sort(([a], [b]) => a - b)
		.map(([x, ys]) => {
			const mean = ys.reduce((s, y) => s + y, 0) / ys.length;
			const sd = ys.length > 1 ? Math.sqrt(ys.reduce((s, y) => s + (y - mean) ** 2, 0) / (ys.length - 1)) : 0;
			return { series, x, y: mean, lo: mean - sd, hi: mean + sd, runs: ys.length };
		});
};

const MAX_POINT_MARKS = 500;
/** Points asked for per series: a longer one comes evenly thinned (its first and last point kept). */
const MAX_SERIES_POINTS = 2000;

const spec = (points: ReadonlyArray<Point>, key: string, width: number, band: boolean): TopLevelSpec => ({
	$schema: "https://vega.github.io/schema/vega-lite/v6.json",
	width,
	height: 360,
	data: { values: points as Point[] },
	encoding: {
		x: { field: "x", type: "quantitative", title: "iteration" },
		color: { field: "series", type: "nominal", title: null, legend: { orient: "bottom", labelLimit: 600 } },
	},
	layer: [
		...(band
			? [
					{
						mark: { type: "area" as const, opacity: 0.2 },
						encoding: { y: { field: "lo", type: "quantitative" as const }, y2: { field: "hi" } },
					},
				]
			: []),
		{
			mark: { type: "line", strokeWidth: 2 },
			encoding: { y: { field: "y", type: "quantitative", title: key, scale: { zero: false } } },
		},
		...(points.length <= MAX_POINT_MARKS
			? [
					{
						mark: { type: "point" as const, filled: true, size: 24 },
						encoding: {
							y: { field: "y", type: "quantitative" as const },
							tooltip: [
								{ field: "series", type: "nominal" as const },
								{ field: "x", type: "quantitative" as const },
								{ field: "y", type: "quantitative" as const, format: ".4f" },
							],
						},
					},
				]
			: []),
	],
});

export const curvesView = (root: HTMLElement): View => {
	const params = routeParams();
	const chosen = new Set(params.getAll("run").length > 0 ? params.getAll("run") : selectedRuns);
	let key = params.get("key") ?? "charts/success";
	let smoothing = Number(params.get("smooth") ?? "0");
	let bySeed = params.get("seeds") === "mean";
	let runs: ReadonlyArray<RunSummary> = [];
	let stamp = "";
	let embedded: EmbedResult | undefined;
	const chosenNames = () => runs.filter((r) => chosen.has(r.name)).map((r) => r.name);

	const runList = h("div", { class: "run-list" });
	const keyBox = h("span");
	const chart = h("div", { id: "chart", class: "chart" });
	const note = h("p", { id: "chart-note", class: "muted" });
	const svgLink = h("a", { id: "export-svg", class: "button", download: "curve.svg" }, "SVG");
	const pngLink = h("a", { id: "export-png", class: "button", download: "curve.png" }, "PNG");

	const save = () => {
		const p = new URLSearchParams();
		for (const r of chosen) p.append("run", r);
		p.set("key", key);
		if (smoothing > 0) p.set("smooth", String(smoothing));
		if (bySeed) p.set("seeds", "mean");
		setRouteParams(p);
	};

	/** The metric menu: the keys of the chosen runs (asked after the chart, as a first scan of big runs takes seconds). */
	let menuFor = "";
	const menu = async (names: ReadonlyArray<string>) => {
		const sig = JSON.stringify(names);
		if (sig === menuFor) return;
		menuFor = sig;
		const keys = await get(KeysResponse, `/api/keys${query(names.map((n) => ["run", n] as const))}`);
		const options = keys.keys.includes(key) ? keys.keys : [key, ...keys.keys];
		fill(
			keyBox,
			select(
				{
					id: "metric",
					onchange: (e) => {
						key = (e.target as HTMLSelectElement).value;
						save();
						void draw(true);
					},
				},
				options.map((k) => [k, k] as const),
				key,
			),
		);
	};

	const draw = async (force: boolean) => {
		const names = chosenNames();
		const res = await get(
			MetricsResponse,
			`/api/metrics${query([...names.map((n) => ["run", n] as const), ["key", key], ["max", String(MAX_SERIES_POINTS)]])}`,
		);
		const next = JSON.stringify([names, key, smoothing, bySeed, res.series.map((s) => s.total)]);
		if (!force && next === stamp) return;
		stamp = next;
		const byName = new Map(runs.map((r) => [r.name, r]));
		const smoothed = res.series.map((s) => ({ run: s.run, x: s.x, y: smooth(s.y, smoothing) }));
		let points: Point[];
		if (bySeed) {
			const groups = new Map<string, typeof smoothed>();
			for (const s of smoothed) {
				const r = byName.get(s.run);
				const label = r === undefined ? s.run : `${r.env} · ${r.method}`;
				groups.set(label, [...(groups.get(label) ?? []), s]);
			}
			points = [...groups].flatMap(([label, members]) =>
				meanBand(`${label} (${members.length} run${members.length === 1 ? "" : "s"})`, members),
			);
		} else points = smoothed.flatMap((s) => s.x.map((x, i) => ({ series: s.run, x, y: s.y[i] as number })));
		embedded?.finalize();
		embedded = undefined;
		chart.setAttribute("data-points", String(points.length));
		if (points.length === 0) {
			fill(
				chart,
				h("p", { class: "muted" }, names.length === 0 ? "Tick runs on the left." : `No ${key} in these runs.`),
			);
			note.textContent = "";
			return;
		}
		embedded = await embed(chart, spec(points, key, Math.max(320, chart.clientWidth - 140), bySeed), {
			renderer: "svg",
			actions: { export: true, source: false, compiled: false, editor: false },
		});
		const thinned = res.series.filter((s) => s.total > s.x.length).length;
		note.textContent = `${points.length} points${smoothing > 0 ? `, smoothing ${smoothing}` : ""}${bySeed ? ", mean ± std over seeds" : ""}${thinned > 0 ? `; ${thinned} series thinned to ${MAX_SERIES_POINTS} points each` : ""}`;
		svgLink.setAttribute("href", `data:image/svg+xml;charset=utf-8,${encodeURIComponent(await embedded.view.toSVG())}`);
		pngLink.setAttribute("href", await embedded.view.toImageURL("png", 2));
		const file = key.replace(/[^\w.-]+/g, "_");
		svgLink.setAttribute("download", `${file}.svg`);
		pngLink.setAttribute("download", `${file}.png`);
	};

	const renderRuns = () =>
		fill(
			runList,
			runs.map((r) =>
				h(
					"label",
					{ class: `status-${r.status}` },
					h("input", {
						type: "checkbox",
						value: r.name,
						checked: chosen.has(r.name),
						onchange: (e) => {
							if ((e.target as HTMLInputElement).checked) chosen.add(r.name);
							else chosen.delete(r.name);
							save();
							void draw(true).then(() => menu(chosenNames()));
						},
					}),
					` ${r.name}`,
				),
			),
		);

	fill(
		root,
		h(
			"div",
			{ class: "curves" },
			h("aside", {}, h("h3", {}, "Runs"), runList),
			h(
				"section",
				{},
				h(
					"div",
					{ class: "toolbar" },
					h("label", {}, "metric ", keyBox),
					h(
						"label",
						{},
						"smoothing ",
						h("input", {
							id: "smoothing",
							type: "range",
							min: 0,
							max: 0.99,
							step: 0.01,
							value: String(smoothing),
							onchange: (e) => {
								smoothing = Number((e.target as HTMLInputElement).value);
								save();
								void draw(true);
							},
						}),
					),
					h(
						"label",
						{},
						h("input", {
							id: "by-seed",
							type: "checkbox",
							checked: bySeed,
							onchange: (e) => {
								bySeed = (e.target as HTMLInputElement).checked;
								save();
								void draw(true);
							},
						}),
						" mean ± std over seeds",
					),
					h("span", { class: "export" }, "export ", svgLink, pngLink),
				),
				chart,
				note,
			),
		),
	);

	let first = true;
	const refresh = async () => {
		const res = await get(RunsResponse, "/api/runs");
		const names = JSON.stringify(res.runs.map((r) => [r.name, r.status]));
		const changed = names !== JSON.stringify(runs.map((r) => [r.name, r.status]));
		runs = res.runs;
		if (changed) renderRuns();
		// while a chosen run is still written to, its curve follows it
		if (first || runs.some((r) => chosen.has(r.name) && r.status === "running")) await draw(first);
		first = false;
		void menu(chosenNames());
	};
	return { refresh, every: 3000 };
};
