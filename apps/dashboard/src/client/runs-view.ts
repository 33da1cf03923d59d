/** The runs table: filter, sort, select runs for the curves; refreshed every 2 s while it is shown. */
import { type RunSummary, RunsResponse } from "../api.ts";
import { get, query } from "./api.ts";
import { fill, h, num } from "./dom.ts";
import type { View } from "./view.ts";

type Column = {
	readonly key: string;
	readonly label: string;
	readonly value: (r: RunSummary) => string | number;
	readonly show: (r: RunSummary) => string;
	readonly numeric?: boolean;
};

const time = (ms: number): string => new Date(ms).toLocaleString(undefined, { hour12: false });
const duration = (ms: number): string => {
	const s = Math.max(0, Math.round(ms / 1000));
	const [hh, mm, ss] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
	return hh > 0 ? `${hh}h ${mm}m` : mm > 0 ? `${mm}m ${ss}s` : `${ss}s`;
};

const columns: ReadonlyArray<Column> = [
	{ key: "name", label: "run", value: (r) => r.name, show: (r) => r.name },
	{ key: "env", label: "env", value: (r) => r.env, show: (r) => r.env },
	{ key: "method", label: "method", value: (r) => r.method, show: (r) => r.method },
	{
		key: "seed",
		label: "seed",
		value: (r) => r.seed ?? -1,
		show: (r) => (r.seed === null ? "–" : String(r.seed)),
		numeric: true,
	},
	{ key: "stage", label: "stage", value: (r) => r.stage, show: (r) => r.stage },
	{
		key: "iteration",
		label: "iterations",
		value: (r) => r.iteration,
		show: (r) => (r.iterations === null ? String(r.iteration) : `${r.iteration} / ${r.iterations}`),
		numeric: true,
	},
	{
		key: "success",
		label: "last success",
		value: (r) => r.lastSuccess ?? -1,
		show: (r) => num(r.lastSuccess, 3),
		numeric: true,
	},
	{ key: "start", label: "started", value: (r) => r.start, show: (r) => time(r.start), numeric: true },
	{
		key: "duration",
		label: "duration",
		value: (r) => r.updated - r.start,
		show: (r) => duration(r.updated - r.start),
		numeric: true,
	},
	{ key: "status", label: "status", value: (r) => r.status, show: (r) => r.status },
];

/** Runs the user ticked, kept across views (the curves view starts from them). */
export const selectedRuns = new Set<string>();

export const runsView = (root: HTMLElement): View => {
	let runs: ReadonlyArray<RunSummary> = [];
	let sortKey = "start";
	let descending = true;
	let filter = "";
	const tbody = h("tbody");
	const thead = h("thead");
	const caption = h("p", { class: "muted" });
	const plot = h("button", { type: "button", onclick: () => go() }, "Plot selected");
	const go = () => {
		location.hash = `#/curves${query([...selectedRuns].map((r) => ["run", r] as const))}`;
	};

	const renderHead = () =>
		fill(
			thead,
			h(
				"tr",
				{},
				h("th", {}, ""),
				columns.map((c) =>
					h(
						"th",
						{
							class: `sortable${c.numeric ? " num" : ""}`,
							"data-key": c.key,
							onclick: () => {
								descending = sortKey === c.key ? !descending : c.numeric === true;
								sortKey = c.key;
								render();
							},
						},
						c.label,
						sortKey === c.key ? (descending ? " ▼" : " ▲") : "",
					),
				),
				h("th", {}, "views"),
			),
		);

	const render = () => {
		renderHead();
		const col = columns.find((c) => c.key === sortKey) ?? columns[0];
		const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
		const shown = runs
			.filter((r) => {
				const text = columns
					.map((c) => c.show(r))
					.join(" ")
					.toLowerCase();
				return words.every((w) => text.includes(w));
			})
			.sort((a, b) => {
				if (col === undefined) return 0;
				const [x, y] = [col.value(a), col.value(b)];
				const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
				return descending ? -c : c;
			});
		fill(
			tbody,
			shown.map((r) =>
				h(
					"tr",
					{ "data-run": r.name },
					h(
						"td",
						{},
						h("input", {
							type: "checkbox",
							checked: selectedRuns.has(r.name),
							onchange: (e) => {
								if ((e.target as HTMLInputElement).checked) selectedRuns.add(r.name);
								else selectedRuns.delete(r.name);
							},
						}),
					),
					columns.map((c) =>
						h(
							"td",
							{
								class: `${c.numeric ? "num " : ""}${c.key === "status" ? `status ${r.status}` : ""}`,
								"data-col": c.key,
							},
							c.show(r),
						),
					),
					h(
						"td",
						{ class: "links" },
						h("a", { href: `#/curves${query([["run", r.name]])}` }, "curves"),
						r.trajectories > 0 && h("a", { href: `#/trajectories${query([["run", r.name]])}` }, "credit"),
						r.evaluations > 0 && h("a", { href: `#/evals${query([["run", r.name]])}` }, "evals"),
					),
				),
			),
		);
		caption.textContent = `${shown.length} of ${runs.length} runs`;
	};

	const refresh = async () => {
		const res = await get(RunsResponse, "/api/runs");
		runs = res.runs;
		fill(dir, res.runsDir);
		render();
	};
	const dir = h("code");
	fill(
		root,
		h(
			"section",
			{ class: "toolbar" },
			h("input", {
				type: "search",
				id: "runs-filter",
				placeholder: "filter: env, method, status …",
				oninput: (e) => {
					filter = (e.target as HTMLInputElement).value;
					render();
				},
			}),
			plot,
			h("span", { class: "muted" }, "runs in ", dir),
		),
		h("table", { id: "runs-table", class: "runs" }, thead, tbody),
		caption,
	);
	return { refresh, every: 2000 };
};
