/**
 * ALFWorld benchmarks: env throughput with admissible-command generation every step, task
 * generation rate, expert sweeps (1,000 tasks per split) and the transcript replay summary.
 * Run with `bun run bench` in the package; prints its figures.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Env, Rng } from "@stepwise/core";
import { Effect } from "effect";
import { generateTask, splits } from "../src/generator.ts";
import { alfworldPlugin, currentSpec, legacySpec } from "../src/plugin.ts";
import { replayTranscript } from "../src/replay.ts";
import { runExpert, summarise } from "../src/sweep.ts";

const now = () => performance.now();
const fmt = (x: number, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

/** Random admissible play: every step asks for the admissible list, picks one, steps. */
const throughput = (env: Env, steps: number): { stepsPerSec: number; stepOnlyPerSec: number; resets: number } => {
	const rng = new Rng(1);
	let index = 0;
	let resets = 1;
	env.reset({ seed: 0, split: "train", index: index++ });
	let t = 0;
	let inReset = 0;
	const t0 = now();
	for (let i = 0; i < steps; i++) {
		const adm = env.admissibleActions() ?? ["look"];
		const r = env.step(adm[rng.int(adm.length)] as string);
		t++;
		if (r.terminated || t >= 50) {
			const r0 = now();
			env.reset({ seed: 0, split: "train", index: index++ });
			inReset += now() - r0;
			resets++;
			t = 0;
		}
	}
	const total = now() - t0;
	return { stepsPerSec: steps / (total / 1000), stepOnlyPerSec: steps / ((total - inReset) / 1000), resets };
};

console.log("# ALFWorld benchmark (machine shared with other jobs: throughput figures are depressed)\n");

for (const spec of [legacySpec, currentSpec]) {
	const env = Effect.runSync(alfworldPlugin.make(spec));
	throughput(env, 5_000); // warm-up
	const { stepsPerSec, stepOnlyPerSec, resets } = throughput(env, 100_000);
	console.log(
		`env steps/s with admissible commands (${spec.id}, random admissible play, 50-step episodes): ${fmt(stepOnlyPerSec)} stepping only; ${fmt(stepsPerSec)} including ${resets} resets (task generation)`,
	);
}

for (const [label, searcherLimit] of [
	["default (oracle + searcher-within-40 filter)", 40],
	["oracle filter only", 0],
] as const) {
	const t0 = now();
	const n = 2_000;
	for (let i = 0; i < n; i++) generateTask(123, splits[i % 3] ?? "train", i, { searcherLimit });
	console.log(`tasks generated/s, ${label}: ${fmt(n / ((now() - t0) / 1000))}`);
}

console.log("\n## Experts over 1,000 generated tasks per split (legacy grammar)\n");
for (const [label, searcherLimit, limit] of [
	["games as the env serves them (searcher filter 40), limit 40", 40, 40],
	["unfiltered generator (oracle-solvable games), limit 40", 0, 40],
	["unfiltered generator, limit 50", 0, 50],
] as const) {
	console.log(`### ${label}`);
	for (const split of splits) {
		for (const expert of ["oracle", "searcher"] as const) {
			const runs = Array.from({ length: 1000 }, (_, i) =>
				runExpert(expert, 0, split, i, limit, "legacy", searcherLimit),
			);
			const s = summarise(runs);
			const types = Object.entries(s.byType)
				.map(([t, v]) => `${t} ${fmt(v.meanSteps, 1)} (${fmt(v.success * 100, 1)}%, n=${v.n})`)
				.join("; ");
			console.log(
				`${split.padEnd(12)} ${expert.padEnd(8)} success ${fmt(s.success * 100, 1)}%  mean steps ${fmt(s.meanSteps, 2)}  inadmissible ${s.inadmissible}  fallbacks ${s.fallbacks}`,
			);
			if (expert === "searcher") console.log(`    per type: ${types}`);
		}
	}
}

console.log("\n## The -v1 location rule: experts over 1,000 generated tasks per split (legacy grammar, limit 40)\n");
for (const split of splits) {
	let shared = 0;
	for (let i = 0; i < 1000; i++) {
		const rs = generateTask(0, split, i, { locations: "shared" }).scene.receptacles;
		if (new Set(rs.map((r) => r.loc)).size < rs.length) shared++;
	}
	console.log(`${split.padEnd(12)} tasks with a shared location: ${fmt(shared / 10, 1)}%`);
	for (const expert of ["oracle", "searcher"] as const) {
		const s = summarise(
			Array.from({ length: 1000 }, (_, i) => runExpert(expert, 0, split, i, 40, "legacy", 40, "shared")),
		);
		console.log(
			`${split.padEnd(12)} ${expert.padEnd(8)} success ${fmt(s.success * 100, 1)}%  mean steps ${fmt(s.meanSteps, 2)}  inadmissible ${s.inadmissible}  fallbacks ${s.fallbacks}`,
		);
	}
}

console.log("\n## Transcript replay (ReAct's 24 ALFWorld prompts)\n");
const transcripts = JSON.parse(
	readFileSync(join(import.meta.dir, "../data/react_alfworld_3prompts.json"), "utf8"),
) as Record<string, string>;
let steps = 0;
let identical = 0;
let won = 0;
for (const text of Object.values(transcripts)) {
	const r = replayTranscript(text);
	steps += r.steps.length;
	identical += r.steps.filter((s) => s.identical).length;
	if (r.won) won++;
}
console.log(`steps ${steps}, identical ${identical} (${fmt((identical / steps) * 100, 1)}%), goal reached ${won}/24`);
