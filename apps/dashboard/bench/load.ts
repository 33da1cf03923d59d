/**
 * How long the dashboard takes over a big runs directory: 50 runs × 10,000 metric rows each, every
 * row with the 38 keys a real RL row has (about 1.4 KB). Prints the runs table's load (what the page
 * shows first), the curve of one metric over all 50 runs (every row parsed), and the same again
 * warm (nothing appended). Files are written once under the system's temp dir and reused.
 *
 *   bun run bench/load.ts [--runs 50] [--rows 10000]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import type { Assets } from "../src/build.ts";
import { startDashboard } from "../src/server.ts";

const arg = (name: string, fallback: number): number => {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg("runs", 50);
const ROWS = arg("rows", 10_000);
const LIMIT_MS = 2000;

const fixtureRow = JSON.parse(
	readFileSync(
		join(
			import.meta.dir,
			"..",
			"test",
			"fixtures",
			"runs",
			"sokoban-6x6-1box-v0__grpo__0__1796618649",
			"metrics.jsonl",
		),
		"utf8",
	).split("\n")[1] as string,
) as Record<string, number>;
const keys = Object.keys(fixtureRow).filter((k) => k !== "iteration");

const root = join(tmpdir(), `stepwise-dashboard-bench-${RUNS}x${ROWS}`);
const done = join(root, ".complete");
if (!existsSync(done)) {
	const t0 = performance.now();
	let bytes = 0;
	for (let r = 0; r < RUNS; r++) {
		const method = ["grpo", "gigpo", "rloo", "rewardflow", "spa"][r % 5] as string;
		const dir = join(root, `sokoban-6x6-1box-v0__${method}__${Math.floor(r / 5)}__${1796000000 + r * 600}`);
		mkdirSync(dir, { recursive: true });
		writeFileSync(
			join(dir, "config.yaml"),
			`seed: ${Math.floor(r / 5)}\nenv:\n  spec: sokoban/6x6-1box-v0\nmethod:\n  name: ${method}\n  config: {}\ntrain:\n  iterations: ${ROWS}\n`,
		);
		const lines: string[] = [];
		for (let i = 1; i <= ROWS; i++) {
			const row: Record<string, number> = { iteration: i };
			for (const [j, k] of keys.entries()) row[k] = Math.sin(i * 0.001 * (j + 1) + r) * (1 + j);
			lines.push(JSON.stringify(row));
		}
		const text = `${lines.join("\n")}\n`;
		bytes += text.length;
		writeFileSync(join(dir, "metrics.jsonl"), text);
	}
	writeFileSync(done, "");
	console.log(
		`wrote ${RUNS} runs × ${ROWS} rows (${keys.length + 1} keys a row, ${(bytes / 2 ** 20).toFixed(0)} MiB) into ${root} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
	);
}

const assets: Assets = { files: new Map(), ms: 0 };
const dashboard = await Effect.runPromise(startDashboard({ runsDir: root, assets }));
const time = async (label: string, path: string): Promise<number> => {
	const t0 = performance.now();
	const res = await fetch(new URL(path, dashboard.url));
	const body = await res.text();
	const ms = performance.now() - t0;
	console.log(`${label}: ${ms.toFixed(0)} ms (HTTP ${res.status}, ${(body.length / 1024).toFixed(0)} KiB)`);
	return ms;
};

const names = (
	(await (await fetch(new URL("/api/runs", dashboard.url))).json()) as { runs: { name: string }[] }
).runs.map((r) => r.name);
await dashboard.stop();
// a fresh server: nothing cached
const fresh = await Effect.runPromise(startDashboard({ runsDir: root, assets }));
Object.assign(dashboard, fresh);
const all = names.map((n) => `run=${encodeURIComponent(n)}`).join("&");
const table = await time(`runs table of ${names.length} runs (cold)`, "/api/runs");
// what the curves page asks for: one metric of every run, each series thinned to 2,000 points
const curve = await time(
	`charts/success of all ${names.length} runs (cold: every file scanned)`,
	`/api/metrics?${all}&key=charts/success&max=2000`,
);
await time("the same curve again (warm: nothing appended)", `/api/metrics?${all}&key=charts/success&max=2000`);
await time("runs table again (warm)", "/api/runs");
await time(`the metric menu of all ${names.length} runs (cold: every row parsed once)`, `/api/keys?${all}`);
await time("the metric menu again (warm)", `/api/keys?${all}`);
await fresh.stop();
const ok = table + curve < LIMIT_MS;
console.log(
	`load of ${RUNS} runs × ${ROWS} rows: runs table + one metric of every run ${(table + curve).toFixed(0)} ms ${ok ? "<" : "≥"} ${LIMIT_MS} ms`,
);
