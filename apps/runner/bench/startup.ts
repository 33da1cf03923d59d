/**
 * Start-up benchmark: the wall time of `stepwise credit` on 6,400 step rows (128 trajectories × 50
 * steps, 16 groups) and of `stepwise credit --help` / `stepwise envs --list`, each a fresh `bun`
 * process, median of 5. Commands that need no model load neither TensorFlow.js nor a backend, so
 * the figures are mostly Bun's and Effect's start-up. The machine's cores may be shared, so the
 * figures are pessimistic.
 *
 *   bun run bench/startup.ts
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatTrajectories, hashSeed, Rng, type Trajectory } from "@stepwise/core";
import { makeTrajectory } from "../test/helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "stepwise-startup-bench-"));
// STEPWISE_BENCH_MAIN=…/main.ts times another checkout's CLI (e.g. main) on the same machine
const main = process.env.STEPWISE_BENCH_MAIN ?? join(import.meta.dir, "..", "src", "main.ts");
const rng = new Rng(hashSeed("startup-bench"));
const trajectories: Trajectory[] = [];
for (let g = 0; g < 16; g++)
	for (let k = 0; k < 8; k++) {
		const won = rng.chance(0.4);
		const steps = Array.from({ length: 50 }, (_, t) => [`g${g}s${rng.int(12)}`, t === 49 && won ? 10 : 0] as const);
		trajectories.push(
			makeTrajectory(`g${g}`, { id: `g${g}/${k}`, steps, end: won ? "terminated" : "truncated", final: "end" }),
		);
	}
const input = join(dir, "rollouts.jsonl");
writeFileSync(input, formatTrajectories(trajectories));
const rows = trajectories.reduce((s, t) => s + t.steps.length, 0);

const wall = (args: ReadonlyArray<string>): number => {
	const t0 = performance.now();
	const r = spawnSync(process.execPath, [main, ...args], { encoding: "utf8" });
	const ms = performance.now() - t0;
	if (r.status !== 0) throw new Error(`stepwise ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
	return ms;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
	[
		`credit --method gigpo (${rows} step rows)`,
		["credit", "--method", "gigpo", "-i", input, "-o", join(dir, "out.jsonl")],
	],
	[
		`credit --method rewardflow (${rows} step rows)`,
		["credit", "--method", "rewardflow", "-i", input, "-o", join(dir, "rf.jsonl")],
	],
	["credit --help", ["credit", "--help"]],
	["envs --list", ["envs", "--list"]],
	["--help", ["--help"]],
];
console.log(`start-up: wall time of a fresh process, median of 5 (bun ${Bun.version})`);
for (const [name, args] of cases) {
	const times = Array.from({ length: 5 }, () => wall(args));
	console.log(`  stepwise ${name.padEnd(44)} ${(median(times) / 1000).toFixed(3)} s`);
}
rmSync(dir, { recursive: true, force: true });
