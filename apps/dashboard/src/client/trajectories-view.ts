/**
 * Trajectories and credit: a run's dump, one group's episodes side by side as rows of steps
 * (observation, action, valid, env reward), each step coloured by its advantage under the run's
 * credit method, or recomputed on the server under any other method or mix.
 */
import { CreditResponse, type CreditStep, DumpsResponse, GroupsResponse, RunsResponse } from "../api.ts";
import { get, query, seg } from "./api.ts";
import { type Child, fill, h, num, select } from "./dom.ts";
import { observation } from "./grid.ts";
import { routeParams, setRouteParams, type View } from "./view.ts";

/** Green for credit, red for blame, stronger with |advantage| relative to the group's largest. */
export const advantageColour = (a: number | null, scale: number): string => {
	if (a === null || scale === 0) return "transparent";
	const alpha = (0.12 + 0.68 * Math.min(1, Math.abs(a) / scale)).toFixed(2);
	return a >= 0 ? `rgba(44, 160, 44, ${alpha})` : `rgba(214, 39, 40, ${alpha})`;
};

const stepCell = (s: CreditStep, scale: number): HTMLElement =>
	h(
		"div",
		{
			class: `step${s.valid ? "" : " invalid"}`,
			style: `background: ${advantageColour(s.advantage, scale)}`,
			"data-t": s.t,
			"data-advantage": s.advantage === null ? "" : String(s.advantage),
		},
		h(
			"div",
			{ class: "step-head" },
			h("span", {}, `t=${s.t}`),
			h(
				"span",
				{
					class: "anchor",
					title: `state s${s.anchor}: ${s.anchorSize} step(s) of this group start from it (GiGPO's anchor group)`,
				},
				`s${s.anchor}${s.anchorSize > 1 ? ` ×${s.anchorSize}` : ""}`,
			),
			h("span", { class: "adv" }, num(s.advantage)),
		),
		observation(s.stateKey),
		h("div", { class: "action", title: s.response }, s.action === "" ? "∅" : s.action, s.valid ? " ✓" : " ✗"),
		h(
			"div",
			{ class: "muted" },
			`r=${num(s.reward, 3)}`,
			s.stepReward === null ? "" : ` · r̃=${num(s.stepReward, 3)}`,
			s.progress === null ? "" : ` · progress ${num(s.progress, 3)}`,
		),
		Object.keys(s.parts).length > 0 &&
			h(
				"div",
				{ class: "parts muted" },
				Object.entries(s.parts).map(([k, v]) => h("div", {}, `${k} ${num(v, 3)}`)),
			),
	);

export const trajectoriesView = (root: HTMLElement): View => {
	const params = routeParams();
	const controls = h("div", { class: "toolbar" });
	const banner = h("p", { id: "credit-error", class: "error", hidden: true });
	const episodes = h("div", { id: "episodes", class: "episodes" });
	const legend = h("p", { class: "muted" });
	fill(root, controls, banner, legend, episodes);

	const set = (k: string, v: string | undefined, drop: ReadonlyArray<string> = []) => {
		if (v === undefined || v === "") params.delete(k);
		else params.set(k, v);
		for (const d of drop) params.delete(d);
		setRouteParams(params);
		void refresh();
	};

	const refresh = async () => {
		const runs = (await get(RunsResponse, "/api/runs")).runs.filter((r) => r.trajectories > 0);
		const run = params.get("run") ?? runs[0]?.name;
		const controlsRow: Child[] = [
			h(
				"label",
				{},
				"run ",
				select(
					{
						id: "traj-run",
						onchange: (e) =>
							set("run", (e.target as HTMLSelectElement).value, ["file", "group", "method", "mix", "config"]),
					},
					runs.map((r) => [r.name, r.name] as const),
					run,
				),
			),
		];
		if (run === undefined) {
			fill(controls, controlsRow);
			fill(episodes, h("p", { class: "muted" }, "No run has trajectory dumps (trajectories/*.jsonl)."));
			return;
		}
		const dumps = await get(DumpsResponse, `/api/runs/${seg(run)}/dumps`);
		const file = params.get("file") ?? dumps.files.at(-1)?.file;
		controlsRow.push(
			h(
				"label",
				{},
				"dump ",
				select(
					{ id: "traj-file", onchange: (e) => set("file", (e.target as HTMLSelectElement).value, ["group"]) },
					dumps.files.map((f) => [f.file, `${f.file} (${Math.ceil(f.bytes / 1024)} KB)`] as const),
					file,
				),
			),
		);
		if (file === undefined) {
			fill(controls, controlsRow);
			return;
		}
		const base = `/api/runs/${seg(run)}/dumps/${seg(file)}`;
		const groups = await get(GroupsResponse, `${base}/groups`);
		const group = params.get("group") ?? groups.groups[0]?.groupId;
		const method = params.get("method") ?? dumps.run.method;
		const mix = params.get("mix") ?? (method === "mix" ? (dumps.run.mix ?? "0.5*gigpo + 0.5*grpo") : "");
		const runsOwn = `${dumps.run.method}${dumps.run.method === "mix" && dumps.run.mix !== null ? ` (${dumps.run.mix})` : ""}`;
		const methodChoices = [...new Set([dumps.run.method, ...dumps.methods])];
		controlsRow.push(
			h(
				"label",
				{},
				"group ",
				select(
					{ id: "traj-group", onchange: (e) => set("group", (e.target as HTMLSelectElement).value) },
					groups.groups.map(
						(g) => [g.groupId, `${g.groupId} · ${g.taskType ?? g.taskId} · won ${g.won}/${g.episodes}`] as const,
					),
					group,
				),
			),
			h(
				"label",
				{},
				"credit ",
				select(
					{ id: "traj-method", onchange: (e) => set("method", (e.target as HTMLSelectElement).value, ["config"]) },
					methodChoices.map((m) => [m, m === dumps.run.method ? `${m} (the run's)` : m] as const),
					method,
				),
			),
			method === "mix" &&
				h(
					"label",
					{},
					"mix ",
					h("input", {
						id: "traj-mix",
						value: mix,
						size: 28,
						onchange: (e) => set("mix", (e.target as HTMLInputElement).value),
					}),
				),
			h(
				"label",
				{ title: 'the method\'s options as JSON, e.g. {"mode": "mean_std_norm"}' },
				"options ",
				h("input", {
					id: "traj-config",
					value: params.get("config") ?? (method === dumps.run.method ? JSON.stringify(dumps.run.config) : "{}"),
					size: 24,
					onchange: (e) => set("config", (e.target as HTMLInputElement).value),
				}),
			),
		);
		fill(controls, controlsRow);
		if (group === undefined) {
			fill(episodes, h("p", { class: "muted" }, `${file} has no episodes.`));
			return;
		}
		const credit = await get(
			CreditResponse,
			`${base}/credit${query([
				["group", group],
				["method", method],
				...(method === "mix" ? [["mix", mix] as const] : []),
				...(params.get("config") !== null ? [["config", params.get("config") as string] as const] : []),
			])}`,
		);
		banner.hidden = credit.error === null;
		banner.textContent = credit.error === null ? "" : `${credit.method}: ${credit.error}`;
		const scale = Math.max(0, ...credit.episodes.flatMap((e) => e.steps.map((s) => Math.abs(s.advantage ?? 0))));
		legend.textContent = `advantages under ${credit.method}${credit.mix === null ? "" : ` (${credit.mix})`}, recomputed over the whole dump; the run trained with ${runsOwn}. Green: credit, red: blame (scale ±${num(scale, 3)}).`;
		root.setAttribute("data-method", credit.method);
		fill(
			episodes,
			credit.episodes.map((e) =>
				h(
					"div",
					{ class: "episode", "data-episode": e.id },
					h(
						"div",
						{ class: `episode-head ${e.won ? "won" : "lost"}` },
						h("strong", {}, e.id),
						h("div", {}, e.won ? "won" : "lost", ` · score ${num(e.score, 3)}`),
						h(
							"div",
							{ class: "muted" },
							`${e.steps.length} steps · Σr ${num(
								e.steps.reduce((s, x) => s + x.reward, 0),
								3,
							)}`,
						),
					),
					h(
						"div",
						{ class: "steps" },
						e.steps.map((s) => stepCell(s, scale)),
					),
				),
			),
		);
	};
	return { refresh };
};
