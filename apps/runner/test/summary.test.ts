import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { runCli } from "../src/main.ts";
import type { EvalReport } from "../src/stages/eval-report.ts";
import { signTest } from "../src/stages/eval-report.ts";
import { formatRunsSummary, readRunFigures, summariseRuns } from "../src/stages/summary.ts";
import { evalReport, withScores } from "./reports.ts";

const dir = mkdtempSync(join(tmpdir(), "stepwise-summary-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A finished pipeline run directory: both evaluations, the SFT summary, RL metrics rows. */
const fakeRun = (name: string, sft: EvalReport, rl: EvalReport, sftSteps: number, iterations: number): string => {
	const run = join(dir, name);
	mkdirSync(join(run, "sft"), { recursive: true });
	writeFileSync(join(run, "eval-sft.json"), JSON.stringify(sft));
	writeFileSync(join(run, "eval-rl.json"), JSON.stringify(rl));
	writeFileSync(
		join(run, "sft", "sft.json"),
		JSON.stringify({
			checkpoint: join(run, "sft"),
			parameters: 1000,
			demos: 100,
			expertWon: 10,
			steps: sftSteps,
			bestStep: sftSteps,
			bestValLoss: 0.1,
			stoppedBy: "time-budget",
			seconds: 600,
		}),
	);
	const rows = Array.from({ length: iterations }, (_, i) =>
		JSON.stringify({ iteration: i + 1, "charts/success": 0.5, "time/iteration_s": 6 }),
	);
	writeFileSync(join(run, "metrics.jsonl"), `${rows.join("\n")}\n`);
	return run;
};

const summary = (runs: ReadonlyArray<string>) =>
	Effect.runSync(Effect.flatMap(Effect.forEach(runs, readRunFigures), summariseRuns));

describe("stepwise summary", () => {
	test("worked example: two training runs, mean ± std over them, RL vs SFT paired and pooled", () => {
		// run a: SFT wins 1 of 4, RL 3 (RL alone on 2); run b: SFT 2 of 4, RL 2 (each alone on 1)
		const a = fakeRun("a", evalReport("sft", ["1000"]), evalReport("rl", ["1110"]), 900, 10);
		const b = fakeRun("b", evalReport("sft", ["1100"]), evalReport("rl", ["1010"]), 1100, 20);
		const s = summary([a, b]);
		expect(s.success).toEqual({ tasks: 8, onlyA: 3, onlyB: 1, pValue: signTest(3, 4) });
		expect(s.score).toBeUndefined();
		const text = formatRunsSummary(s);
		expect(text).toContain("sokoban/6x6-1box-v0, test split, 1 evaluation seeds × 4 tasks, greedy; 2 training runs:");
		expect(text).toContain("| a | 0.250 | 0.250 | 0.750 | 0.750 | 900 | 10.0 | 10 | 1.0 |");
		expect(text).toContain("| b | 0.500 | 0.500 | 0.500 | 0.500 | 1100 | 10.0 | 20 | 2.0 |");
		// SFT 0.25 and 0.5: mean 0.375, sample std 0.177; RL 0.75 and 0.5: 0.625 ± 0.177
		expect(text).toContain("| SFT | 0.375 ± 0.177 | 0.375 ± 0.177 | 1.000 ± 0.000 |");
		expect(text).toContain("| RL | 0.625 ± 0.177 | 0.625 ± 0.177 | 1.000 ± 0.000 |");
		expect(text).toContain("RL − SFT: success +0.250, score +0.250.");
		expect(text).toContain("RL won 3 that SFT lost, SFT won 1 that RL lost (two-sided sign test p = 0.6250)");
		expect(text).not.toContain("Paired scores");
	});

	test("partial scores add the pooled paired score line", () => {
		const sft = withScores(evalReport("sft", ["10"]), [[1, 0.5]]);
		const rl = withScores(evalReport("rl", ["10"]), [[1, 0.75]]);
		const s = summary([fakeRun("c", sft, rl, 10, 1), fakeRun("d", sft, rl, 10, 1)]);
		expect(s.score).toEqual({ tasks: 4, onlyA: 2, onlyB: 0, pValue: signTest(2, 2) });
		expect(formatRunsSummary(s)).toContain("Paired scores: RL scored higher on 2 tasks, SFT on 0");
	});

	test("the command prints and writes the table; runs of other evaluations or without reports are input errors", async () => {
		const a = fakeRun("e", evalReport("sft", ["10"]), evalReport("rl", ["11"]), 10, 1);
		const other = fakeRun(
			"f",
			{ ...evalReport("sft", ["10"]), spec: "sokoban/8x8-v0" },
			evalReport("rl", ["11"]),
			10,
			1,
		);
		const out = join(dir, "summary.md");
		await Effect.runPromise(runCli(["summary", "--out", out, a, a]));
		expect(readFileSync(out, "utf8")).toContain("2 training runs:");
		const mismatch = Effect.runSync(
			Effect.flip(Effect.flatMap(Effect.forEach([a, other], readRunFigures), summariseRuns)),
		);
		expect(mismatch._tag).toBe("RunSummaryError");
		expect(mismatch.message).toContain("only runs of one evaluation can be tabled together");
		const missing = Effect.runSync(Effect.flip(readRunFigures(join(dir, "none"))));
		expect(missing._tag).toBe("RunSummaryError");
		expect(missing.path).toBe(join(dir, "none", "eval-sft.json"));
	});
});
