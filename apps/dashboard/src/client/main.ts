/** The page: a hash router over four views; a view with `every` refreshes on a timer while shown. */
import "./style.css";
import { curvesView } from "./curves-view.ts";
import { evalsView } from "./evals-view.ts";
import { runsView } from "./runs-view.ts";
import { trajectoriesView } from "./trajectories-view.ts";
import type { View } from "./view.ts";

const views: Readonly<Record<string, (root: HTMLElement) => View>> = {
	runs: runsView,
	curves: curvesView,
	trajectories: trajectoriesView,
	evals: evalsView,
};

const app = document.getElementById("app") as HTMLElement;
const status = document.getElementById("status") as HTMLElement;
let timer: ReturnType<typeof setInterval> | undefined;
let generation = 0;

const report = (error: unknown) => {
	status.textContent = error instanceof Error ? error.message : String(error);
	status.className = "error";
};

const show = () => {
	const name = /^#\/(\w+)/.exec(location.hash)?.[1] ?? "runs";
	const make = views[name] ?? runsView;
	clearInterval(timer);
	const mine = ++generation;
	for (const a of document.querySelectorAll("nav a"))
		a.classList.toggle("active", a.getAttribute("data-view") === name);
	document.body.setAttribute("data-view", name);
	document.body.removeAttribute("data-ready");
	status.textContent = "";
	const root = document.createElement("div");
	root.id = `view-${name}`;
	app.replaceChildren(root);
	const view = make(root);
	const tick = () =>
		view.refresh().then(() => {
			// tests and scripts wait for this: the view has drawn its data once
			if (mine === generation) document.body.setAttribute("data-ready", name);
		}, report);
	void tick();
	if (view.every !== undefined) timer = setInterval(() => void tick(), view.every);
};

window.addEventListener("hashchange", show);
show();
