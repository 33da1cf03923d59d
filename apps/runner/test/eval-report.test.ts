import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import {
	type EvalReport,
	formatEvalReport,
	maxTypeLines,
	pairReports,
	pairScores,
	readEvalReport,
	signTest,
	taskListDigest,
} from "../src/stages/eval-report.ts";
import { formatPipelineTable } from "../src/stages/pipeline.ts";
import { evalReport as report, withScores } from "./reports.ts";

const dir = mkdtempSync(join(tmpdir(), "stepwise-eval-report-"));

describe("eval reports", () => {
	test("sign test: exact two-sided binomial p-values", () => {
		expect(signTest(0, 5)).toBeCloseTo(2 / 32, 12);
		expect(signTest(5, 5)).toBeCloseTo(2 / 32, 12);
		expect(signTest(1, 10)).toBeCloseTo((2 * 11) / 1024, 12);
		expect(signTest(2, 4)).toBe(1);
		expect(signTest(0, 0)).toBe(1);
		// 30 of 40 discordant tasks: p ≈ 0.00222 (R: binom.test(30, 40)$p.value)
		expect(signTest(30, 40)).toBeCloseTo(0.002221, 5);
	});

	test("prints every task type when there are few, the weakest ones when there are many", () => {
		const figs = (success: number) => ({ episodes: 10, success, score: success, grounding: 1, length: 5 });
		const few = formatEvalReport({ ...report("rl", ["1101"]), byType: { a: figs(0.5), b: figs(1) } });
		expect(few.split("\n").filter((l) => l.startsWith("  type "))).toHaveLength(2);
		const byType = Object.fromEntries(Array.from({ length: 39 }, (_, i) => [`t${i}`, figs((i % 13) / 12)]));
		const many = formatEvalReport({ ...report("rl", ["1101"]), byType }).split("\n");
		const typeLines = many.filter((l) => l.startsWith("  type "));
		expect(typeLines).toHaveLength(maxTypeLines);
		expect(many).toContain(`  39 task types; the ${maxTypeLines} with the lowest success (all in eval.json, byType):`);
		expect(typeLines[0]).toStartWith("  type t0: success 0.000");
		expect(typeLines.map((l) => l.split(",")[0]?.split(" success ")[1])).toEqual(
			["0.000", "0.000", "0.000", "0.083", "0.083", "0.083", "0.167", "0.167"].slice(0, maxTypeLines),
		);
	});

	test("pairing counts the tasks only one policy won, seed by seed; reports that do not pair give none", () => {
		const rl = report("rl", ["1101", "0111"]);
		const sft = report("sft", ["1011", "0011"]);
		expect(pairReports(rl, sft)).toEqual({ tasks: 8, onlyA: 2, onlyB: 1, pValue: 1 });
		expect(pairReports(rl, report("short", ["1101"]))).toBeUndefined();
		const { outcomes: _o, ...old } = sft.perSeed[0] as EvalReport["perSeed"][number];
		expect(pairReports(rl, { ...sft, perSeed: [old, ...sft.perSeed.slice(1)] })).toBeUndefined();
	});

	test("the pipeline table adds the paired comparison", () => {
		const table = formatPipelineTable({
			run: "runs/x",
			sft: report("sft", ["1011", "0011"]),
			rl: report("rl", ["1101", "0111"]),
			seconds: 60,
		});
		expect(table).toContain("RL − SFT success: +0.125");
		expect(table).toContain("Paired over the same 8 tasks: RL won 2 that SFT lost, SFT won 1 that RL lost");
	});

	test("partial scores (WebShop's) add a paired score line: tasks where each scored higher, and the sign test; 0/1 scores do not", () => {
		const sft = withScores(report("sft", ["10", "00"]), [
			[1, 0.5],
			[0.25, 0.75],
		]);
		const rl = withScores(report("rl", ["10", "10"]), [
			[1, 0.75],
			[1, 0.5],
		]);
		expect(pairScores(rl, sft)).toEqual({ tasks: 4, onlyA: 2, onlyB: 1, pValue: signTest(2, 3) });
		const table = formatPipelineTable({ run: "runs/x", sft, rl, seconds: 60 });
		expect(table).toContain(
			"Paired scores: RL scored higher on 2 tasks, SFT on 1 (two-sided sign test p = 1.000); RL − SFT score: +0.188.",
		);
		const binary = formatPipelineTable({
			run: "runs/x",
			sft: withScores(report("sft", ["10"]), [[1, 0]]),
			rl: withScores(report("rl", ["11"]), [[1, 1]]),
			seconds: 60,
		});
		expect(binary).not.toContain("Paired scores");
		const { scores: _s, ...old } = sft.perSeed[0] as EvalReport["perSeed"][number];
		expect(pairScores(rl, { ...sft, perSeed: [old, ...sft.perSeed.slice(1)] })).toBeUndefined();
	});

	test("seeds that replay an earlier seed's task list (the same task digest in both reports) are paired once", () => {
		const episodes = (ids: ReadonlyArray<string>) =>
			ids.map((taskId) => ({ taskId, taskType: undefined, won: true, score: 1, steps: 1, validSteps: 1 }));
		const fixed = taskListDigest(episodes(["test/1", "test/2"]));
		expect(taskListDigest(episodes(["test/1", "test/2"]))).toBe(fixed);
		expect(taskListDigest(episodes(["test/2", "test/1"]))).not.toBe(fixed);
		const digests = (r: EvalReport, tasks: ReadonlyArray<string>): EvalReport => ({
			...r,
			perSeed: r.perSeed.map((s, i) => ({ ...s, tasks: tasks[i] as string })),
		});
		const sft = report("sft", ["10", "10", "01"]);
		const rl = report("rl", ["01", "01", "11"]);
		const same = [fixed, fixed, "other"];
		expect(pairReports(digests(rl, same), digests(sft, same))).toEqual({
			tasks: 4,
			onlyA: 2,
			onlyB: 1,
			pValue: signTest(2, 3),
		});
		expect(pairReports(rl, sft)?.tasks).toBe(6);
	});

	test("a saved report is decoded on reading; a malformed one is an error naming the file", async () => {
		const good = join(dir, "good.json");
		writeFileSync(good, JSON.stringify(report("sft", ["10"])));
		expect((await Effect.runPromise(readEvalReport(good))).perSeed[0]?.outcomes).toBe("10");
		const bad = join(dir, "bad.json");
		writeFileSync(bad, JSON.stringify({ ...report("sft", ["10"]), mean: { success: "high" } }));
		const e1 = await Effect.runPromise(Effect.flip(readEvalReport(bad)));
		expect(e1._tag).toBe("EvalReportError");
		expect(e1.message).toContain(bad);
		const torn = join(dir, "torn.json");
		writeFileSync(torn, '{"policy": "sft", "spec"');
		const e2 = await Effect.runPromise(Effect.flip(readEvalReport(torn)));
		expect(e2.message).toContain(torn);
	});
});
