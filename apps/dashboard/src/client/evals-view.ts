/**
 * Evaluations: the pipeline's SFT vs RL table and paired comparison (`results.md`), every report's
 * figures (mean ± std over seeds), each seed's task outcomes, and success per task type.
 */
import { type EvalReportView, EvalsResponse, RunsResponse } from "../api.ts";
import { get, seg } from "./api.ts";
import { fill, h, select } from "./dom.ts";
import { routeParams, setRouteParams, type View } from "./view.ts";

/** `results.md` as HTML: its Markdown table as a table, the other lines as paragraphs. */
export const markdown = (text: string): HTMLElement[] => {
	const out: HTMLElement[] = [];
	let table: string[][] = [];
	const flush = () => {
		if (table.length === 0) return;
		const [head = [], ...body] = table;
		out.push(
			h(
				"table",
				{ class: "results" },
				h(
					"thead",
					{},
					h(
						"tr",
						{},
						head.map((c) => h("th", {}, c)),
					),
				),
				h(
					"tbody",
					{},
					body.map((r) =>
						h(
							"tr",
							{},
							r.map((c) => h("td", {}, c)),
						),
					),
				),
			),
		);
		table = [];
	};
	for (const line of text.split("\n")) {
		const t = line.trim();
		if (t.startsWith("|")) {
			const cells = t
				.replace(/^\||\|$/g, "")
				.split("|")
				.map((c) => c.trim());
			if (!cells.every((c) => /^:?-+:?$/.test(c))) table.push(cells);
			continue;
		}
		flush();
		if (t !== "") out.push(h("p", {}, t));
	}
	flush();
	return out;
};

const pm = (mean: number, sd: number) => `${mean.toFixed(3)} ± ${sd.toFixed(3)}`;

const outcomes = (r: EvalReportView) =>
	r.perSeed.map((s) =>
		h(
			"div",
			{ class: "outcomes" },
			h("span", { class: "muted" }, `seed ${s.seed} `),
			[...(s.outcomes ?? "")].map((o, i) =>
				h("span", {
					class: `outcome ${o === "1" ? "won" : "lost"}`,
					title: `task ${i}: ${o === "1" ? "won" : "lost"}`,
				}),
			),
			` ${s.success.toFixed(3)}`,
		),
	);

export const evalsView = (root: HTMLElement): View => {
	const params = routeParams();
	const refresh = async () => {
		const runs = (await get(RunsResponse, "/api/runs")).runs.filter((r) => r.evaluations > 0);
		const run = params.get("run") ?? runs[0]?.name;
		const picker = h(
			"label",
			{},
			"run ",
			select(
				{
					id: "evals-run",
					onchange: (e) => {
						params.set("run", (e.target as HTMLSelectElement).value);
						setRouteParams(params);
						void refresh();
					},
				},
				runs.map((r) => [r.name, r.name] as const),
				run,
			),
		);
		if (run === undefined) {
			fill(
				root,
				h("div", { class: "toolbar" }, picker),
				h("p", { class: "muted" }, "No run has evaluation reports (eval*.json)."),
			);
			return;
		}
		const ev = await get(EvalsResponse, `/api/runs/${seg(run)}/evals`);
		const types = [...new Set(ev.reports.flatMap((r) => Object.keys(r.report.byType)))].sort();
		fill(
			root,
			h("div", { class: "toolbar" }, picker),
			ev.errors.map((e) => h("p", { class: "error" }, e)),
			ev.results !== null &&
				h("section", { id: "results" }, h("h3", {}, "SFT vs RL (the pipeline's results.md)"), markdown(ev.results)),
			h(
				"section",
				{},
				h("h3", {}, "Reports"),
				h(
					"table",
					{ id: "eval-reports", class: "results" },
					h(
						"thead",
						{},
						h(
							"tr",
							{},
							["report", "policy", "spec", "split", "episodes", "success", "score", "grounding", "length"].map((c) =>
								h("th", {}, c),
							),
						),
					),
					h(
						"tbody",
						{},
						ev.reports.map(({ file, report: r }) =>
							h(
								"tr",
								{},
								h("td", {}, file),
								h("td", { class: "path" }, r.policy),
								h("td", {}, r.spec),
								h("td", {}, r.split),
								h("td", { class: "num" }, r.mean.episodes),
								h("td", { class: "num" }, pm(r.mean.success, r.std.success)),
								h("td", { class: "num" }, pm(r.mean.score, r.std.score)),
								h("td", { class: "num" }, pm(r.mean.grounding, r.std.grounding)),
								h("td", { class: "num" }, pm(r.mean.length, r.std.length)),
							),
						),
					),
				),
			),
			h(
				"section",
				{},
				h("h3", {}, "Task outcomes per seed (same tasks in the same order for every policy)"),
				ev.reports.map(({ file, report }) =>
					h("div", { class: "outcome-block" }, h("strong", {}, file), outcomes(report)),
				),
			),
			types.length > 0 &&
				h(
					"section",
					{},
					h("h3", {}, "Success per task type"),
					h(
						"table",
						{ id: "eval-types", class: "results" },
						h(
							"thead",
							{},
							h(
								"tr",
								{},
								h("th", {}, "task type"),
								ev.reports.map((r) => h("th", {}, r.file)),
							),
						),
						h(
							"tbody",
							{},
							types.map((t) =>
								h(
									"tr",
									{},
									h("td", {}, t),
									ev.reports.map((r) => {
										const f = r.report.byType[t];
										return h("td", { class: "num" }, f === undefined ? "–" : `${f.success.toFixed(3)} (${f.episodes})`);
									}),
								),
							),
						),
					),
				),
		);
	};
	return { refresh };
};
