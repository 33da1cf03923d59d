import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit } from "effect";
import { ExitCode, exitCodeOf } from "../src/errors.ts";
import { errorLine, runCli } from "../src/main.ts";
import { formatEvalReport } from "../src/stages/eval-report.ts";
import { type EvalReport, figures, readEvalReport } from "../src/stages/evaluate.ts";

const dir = mkdtempSync(join(tmpdir(), "stepwise-eval-"));
const evalRun = async (name: string, args: string[]): Promise<EvalReport> => {
	const run = join(dir, name);
	await Effect.runPromise(runCli(["eval", "--backend", "wasm", "--run-dir", run, ...args]));
	return Effect.runPromise(readEvalReport(join(run, "eval.json")));
};

/** Boxoban-format levels where one push right solves the level. */
const onePushLevels = Array.from({ length: 6 }, (_, i) => {
	const rows = ["######", "#    #", "#    #", "#    #", "#    #", "######"];
	const r = 1 + (i % 4);
	rows[r] = "#@$. #";
	return `; ${i}\n${rows.join("\n")}\n`;
}).join("\n");

describe("stepwise eval", () => {
	test("the expert wins every task, with figures per seed and mean ± std", async () => {
		const r = await evalRun("expert", ["--policy", "expert", "eval.tasks=10", "eval.seeds=[0,1]"]);
		expect(r.perSeed.map((s) => s.seed)).toEqual([0, 1]);
		expect(r.perSeed.map((s) => s.outcomes)).toEqual(["1".repeat(10), "1".repeat(10)]);
		expect(r.perSeed.every((s) => s.episodes === 10 && s.success === 1 && s.grounding === 1)).toBe(true);
		expect(r.mean.success).toBe(1);
		expect(r.std.success).toBe(0);
		expect(r.mean.episodes).toBe(20);
	});

	test("a random policy plays admissible actions (all grounded) and wins less often than the expert", async () => {
		const r = await evalRun("random", ["--policy", "random", "eval.tasks=20", "eval.seeds=[0,1,2]"]);
		expect(r.mean.grounding).toBe(1);
		expect(r.mean.success).toBeLessThan(1);
		expect(r.perSeed).toHaveLength(3);
		for (const s of r.perSeed) expect([...(s.outcomes ?? "")].filter((c) => c === "1").length / 20).toBe(s.success);
		expect(r.mean.length).toBeGreaterThan(2);
	});

	test("a random policy plays uniformly among listed actions where the env lists them, and is refused, named, where it does not", async () => {
		for (const spec of ["alfworld/legacy-v0", "webshop/verl-v0"]) {
			const r = await evalRun(`random-${spec}`, [
				"--policy",
				"random",
				`env.spec=${spec}`,
				"eval.tasks=3",
				"eval.seeds=[0]",
			]);
			expect(r.mean.grounding).toBe(1);
		}
		for (const spec of ["virtualhome/verl-v0", "search/verl-v0"]) {
			const exit = await Effect.runPromiseExit(
				runCli([
					"eval",
					"--backend",
					"wasm",
					"--run-dir",
					join(dir, `random-${spec}`),
					"--policy",
					"random",
					`env.spec=${spec}`,
					"eval.tasks=2",
					"eval.seeds=[0]",
				]),
			);
			const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined;
			expect(errorLine(error)).toContain(`--policy random: ${spec} does not list its valid actions`);
			expect(exitCodeOf(error)).toBe(ExitCode.input);
		}
	});

	test("--levels FILE plays Boxoban-format levels instead of generated ones", async () => {
		const file = join(dir, "levels.txt");
		writeFileSync(file, onePushLevels);
		const r = await evalRun("levels", ["--policy", "expert", "--levels", file, "eval.tasks=4", "eval.seeds=[0]"]);
		expect(r.mean.success).toBe(1);
		expect(r.mean.length).toBe(1);
	});

	test("per task type where the env has types; splits default to the spec's (ALFWorld: valid_unseen)", async () => {
		const r = await evalRun("alfworld", [
			"--policy",
			"expert",
			"env.spec=alfworld/legacy-v0",
			"eval.tasks=8",
			"eval.seeds=[0]",
		]);
		expect(r.split).toBe("valid_unseen");
		const types = Object.values(r.byType);
		expect(types.length).toBeGreaterThan(1);
		expect(types.reduce((s, f) => s + f.episodes, 0)).toBe(8);
		expect(types.every((f) => f.success === 1)).toBe(true);
		const bad = await Effect.runPromiseExit(runCli(["eval", "--run-dir", join(dir, "bad"), "env.evalSplit=nope"]));
		expect(String(bad)).toContain("env.evalSplit");
	});

	test("eval.temperature samples the answers, seeded: the same seed repeats, 0 is greedy", async () => {
		const sft = join(dir, "sft-tiny");
		await Effect.runPromise(
			runCli([
				"sft",
				"--backend",
				"wasm",
				"--config",
				join(import.meta.dir, "..", "configs", "tiny.yaml"),
				"--run-dir",
				sft,
				"sft.steps=60",
			]),
		);
		const args = ["--policy", join(sft, "sft"), "eval.tasks=8", "eval.seeds=[0,1]"];
		const greedy = await evalRun("greedy", args);
		const zero = await evalRun("zero", [...args, "eval.temperature=0"]);
		const hot = await evalRun("hot", [...args, "eval.temperature=2"]);
		const again = await evalRun("hot-again", [...args, "eval.temperature=2"]);
		expect(zero.perSeed).toEqual(greedy.perSeed);
		expect(again.perSeed).toEqual(hot.perSeed);
		expect(hot.temperature).toBe(2);
		expect(greedy.temperature).toBeUndefined();
		expect(zero.temperature).toBeUndefined();
		expect(formatEvalReport(hot)).toContain("2 seeds × 8 tasks, sampled at temperature 2)");
		// greedy decoding writes the policy's likeliest moves; at temperature 2 it writes other ones
		expect(hot.mean.grounding).not.toBe(greedy.mean.grounding);
		const bad = await Effect.runPromiseExit(runCli(["eval", "--run-dir", join(dir, "bad-t"), "eval.temperature=-1"]));
		expect(String(bad)).toContain("eval.temperature");
	}, 120_000);

	test("figures: success, score, grounding accuracy as the share of executable actions", () => {
		const f = figures([
			{ taskId: "t/1", taskType: "a", won: true, score: 1, steps: 3, validSteps: 3 },
			{ taskId: "t/2", taskType: "b", won: false, score: 0.5, steps: 5, validSteps: 1 },
		]);
		expect(f).toEqual({ episodes: 2, success: 0.5, score: 0.75, grounding: 0.5, length: 4 });
	});
});
