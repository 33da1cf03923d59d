import { afterAll, describe, expect, test } from "bun:test";
import {
	existsSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	realpathSync,
	rmSync,
	statSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit } from "effect";
import { CompareConfig, defaultCompareConfig, resolveMethod } from "../src/compare/config.ts";
import { type CompareRun, checkClaims, compareRows, sampleCurve } from "../src/compare/report.ts";
import { resolveConfig } from "../src/config/decode.ts";
import { runCli } from "../src/main.ts";
import type { EvalReport } from "../src/stages/eval-report.ts";

const root = join(import.meta.dir, "..");
const dir = mkdtempSync(join(tmpdir(), "stepwise-compare-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const report = (outcomes: string): EvalReport => {
	const success = [...outcomes].filter((c) => c === "1").length / outcomes.length;
	const fig = { episodes: outcomes.length, success, score: success, grounding: 1, length: 3 };
	return {
		policy: "p",
		spec: "e/x-v0",
		split: "test",
		perSeed: [{ seed: 0, ...fig, outcomes }],
		mean: fig,
		std: { success: 0, score: 0, grounding: 0, length: 0 },
		byType: {},
	};
};
const fakeRun = (label: string, seed: number, rl: string, sft: string): CompareRun => ({
	env: "e/x-v0",
	label,
	seed,
	dir: `${label}-${seed}`,
	sft: report(sft),
	rl: report(rl),
	curve: [],
	rolloutCurve: [],
	envSteps: 100,
	explorationSteps: 0,
	iterations: 2,
	seconds: 60,
});

describe("compare's report", () => {
	test("paired columns pool the tasks won by one method only over seeds, with the exact sign test", () => {
		const sft = "0000000000";
		const runs = [
			fakeRun("grpo", 0, "1100000000", sft),
			fakeRun("grpo", 1, "1000000000", sft),
			fakeRun("gigpo", 0, "1111111100", sft),
			fakeRun("gigpo", 1, "1111111110", sft),
		];
		const rows = compareRows(runs, ["grpo", "gigpo"], "grpo");
		const gigpo = rows[1];
		// seed 0: gigpo alone wins 6 tasks; seed 1: 8; grpo alone wins none → 14/0, p = 2·0.5^14
		expect(gigpo?.vsBaseline).toMatchObject({ tasks: 20, onlyA: 14, onlyB: 0 });
		expect(gigpo?.vsBaseline?.pValue).toBeCloseTo(2 * 0.5 ** 14, 12);
		expect(gigpo?.success.mean).toBeCloseTo(0.85, 12);
		expect(gigpo?.success.std).toBeCloseTo(Math.sqrt(0.005), 12);
		expect(rows[0]?.vsBaseline).toBeUndefined();
		expect(rows[0]?.vsSft).toMatchObject({ tasks: 20, onlyA: 3, onlyB: 0 });
		expect(rows[0]?.vsSft?.pValue).toBeCloseTo(0.25, 12);
		const [holds, below] = checkClaims("e/x-v0", runs, ["gigpo > grpo", "grpo >= SFT"]);
		expect(holds?.holds).toBe(true);
		expect(below?.holds).toBe(true);
		expect(checkClaims("e/x-v0", runs, ["spa > ppo"])[0]?.holds).toBeUndefined();
	});

	test("curves are sampled on a common grid: linear inside, held flat outside", () => {
		expect(
			sampleCurve(
				[
					[10, 0.2],
					[20, 0.6],
				],
				[0, 15, 20, 40],
			),
		).toEqual([0.2, 0.4, 0.6, 0.6]);
	});

	test("method entries: names, mixes and labelled records; an override that would move the shared SFT is refused", () => {
		expect(resolveMethod("gigpo")).toEqual({ label: "gigpo", overrides: ["method.name=gigpo"] });
		expect(resolveMethod("0.5*gigpo + 0.5*rewardflow")).toEqual({
			label: "0.5*gigpo+0.5*rewardflow",
			overrides: ["method.name=mix", "method.mix=0.5*gigpo + 0.5*rewardflow"],
		});
		expect(resolveMethod({ name: "spa-released", overrides: ["train.data=exploration"] })).toEqual({
			label: "spa-released",
			overrides: ["method.name=spa-released", "train.data=exploration"],
		});
		expect(resolveMethod({ name: "grpo", overrides: ["sft.steps=5"] })).toContain("SFT policy");
	});
});

describe("stepwise compare end to end (tiny budgets)", () => {
	const out = join(dir, "cmp");
	const config = join(dir, "compare.yaml");
	writeFileSync(
		config,
		[
			`out: ${out}`,
			"envs:",
			`  - { spec: sokoban/6x6-1box-v0, config: ${join(root, "configs", "tiny.yaml")} }`,
			"methods: [grpo, gigpo, ppo, spa, { label: mix, mix: '0.5*gigpo + 0.5*rewardflow' }]",
			"seeds: [0, 1]",
			"baseline: grpo",
			"envSteps: 40",
			"overrides: [backend=wasm, rollout.workers=0, critic.warmup=1, critic.replay=2]",
		].join("\n"),
	);

	test("every method on every seed from one SFT policy per seed, equal env-step budgets, tables, claims and plots; a second run reuses them", async () => {
		await Effect.runPromise(runCli(["compare", "--config", config]));
		const md = readFileSync(join(out, "compare.md"), "utf8");
		for (const label of ["grpo", "gigpo", "ppo", "spa", "mix"]) expect(md).toContain(`| ${label} | 2 |`);
		expect(md).toContain("spa > ppo");
		const json = JSON.parse(readFileSync(join(out, "compare.json"), "utf8")) as {
			runs: Array<{ label: string; seed: number; dir: string; envSteps: number; iterations: number }>;
		};
		expect(json.runs).toHaveLength(10);
		for (const r of json.runs) {
			// the budget stops RL at the first iteration that reaches it: 8 episodes an iteration, at most 15 steps each
			expect(r.envSteps).toBeGreaterThanOrEqual(40);
			expect(r.envSteps).toBeLessThan(40 + 8 * 15);
			expect(realpathSync(join(r.dir, "sft"))).toBe(
				realpathSync(join(out, `sokoban-6x6-1box-v0__sft__${r.seed}`, "sft")),
			);
		}
		expect(existsSync(join(out, "plots", "sokoban-6x6-1box-v0__validation_success.png"))).toBe(true);
		expect(readFileSync(join(out, "plots", "sokoban-6x6-1box-v0__rollout_success.svg"), "utf8")).toContain("<polygon");
		const stamp = statSync(join(out, "sokoban-6x6-1box-v0__gigpo__0", "eval-rl.json")).mtimeMs;
		await Effect.runPromise(runCli(["compare", "--config", config]));
		expect(statSync(join(out, "sokoban-6x6-1box-v0__gigpo__0", "eval-rl.json")).mtimeMs).toBe(stamp);
	}, 600_000);

	test("with sftSeed every seed's RL starts from the one SFT policy trained with that seed", async () => {
		const shared = join(dir, "cmp-shared");
		// GRPO from the one SFT policy of seed 1, 20 env steps a run
		const compareShared = (...more: string[]) =>
			Effect.runPromise(
				runCli([
					"compare",
					"--config",
					config,
					"--methods",
					"grpo",
					"--sft-seed",
					"1",
					"--out",
					shared,
					"--env-steps",
					"20",
					...more,
				]),
			);
		await compareShared();
		const json = JSON.parse(readFileSync(join(shared, "compare.json"), "utf8")) as {
			runs: Array<{ seed: number; dir: string }>;
		};
		expect(json.runs.map((r) => r.seed)).toEqual([0, 1]);
		for (const r of json.runs)
			expect(realpathSync(join(r.dir, "sft"))).toBe(realpathSync(join(shared, "sokoban-6x6-1box-v0__sft__1", "sft")));
		expect(existsSync(join(shared, "sokoban-6x6-1box-v0__sft__0"))).toBe(false);
		expect(readFileSync(join(shared, "sokoban-6x6-1box-v0__sft__1", "config.yaml"), "utf8")).toMatch(/^seed: 1$/m);
		expect(readFileSync(join(shared, "sokoban-6x6-1box-v0__grpo__0", "config.yaml"), "utf8")).toMatch(/^seed: 0$/m);
		// --report trains nothing: seed 2 was never run, so it is left out, and no run directory is made for it
		await Effect.runPromise(
			runCli(["compare", "--config", config, "--methods", "grpo", "--out", shared, "--seeds", "0,1,2", "--report"]),
		);
		const report = JSON.parse(readFileSync(join(shared, "compare.json"), "utf8")) as { runs: Array<{ seed: number }> };
		expect(report.runs.map((r) => r.seed)).toEqual([0, 1]);
		expect(existsSync(join(shared, "sokoban-6x6-1box-v0__grpo__2"))).toBe(false);
		// a second compare process (one per seed) finds the shared SFT run locked by another: it waits, then goes on
		const other = Bun.spawn(["sleep", "3"]);
		const lock = join(shared, "sokoban-6x6-1box-v0__sft__1", ".lock");
		writeFileSync(
			lock,
			JSON.stringify({ pid: other.pid, command: "stepwise compare", since: new Date().toISOString() }),
		);
		const t0 = performance.now();
		await compareShared("--seeds", "2");
		expect(performance.now() - t0).toBeGreaterThan(2500);
		expect(existsSync(join(shared, "sokoban-6x6-1box-v0__grpo__2", "eval-rl.json"))).toBe(true);
		expect(existsSync(lock)).toBe(false);
	}, 600_000);

	test("a baseline that is none of the methods is refused before anything runs", async () => {
		const exit = await Effect.runPromiseExit(
			runCli(["compare", "--config", config, "--methods", "gigpo,rloo", "--out", join(dir, "never")]),
		);
		expect(Exit.isFailure(exit)).toBe(true);
		expect(existsSync(join(dir, "never"))).toBe(false);
	});
});

describe("the compare configs of apps/runner/configs/compare/", () => {
	test.each(readdirSync(join(root, "configs", "compare")).filter((f) => f.endsWith(".yaml")))("%s decodes", (file) => {
		const exit = Effect.runSyncExit(
			resolveConfig(CompareConfig, { file: join(root, "configs", "compare", file), base: defaultCompareConfig }),
		);
		expect(Exit.isSuccess(exit)).toBe(true);
		if (Exit.isSuccess(exit)) for (const m of exit.value.methods) expect(typeof resolveMethod(m)).toBe("object");
	});
});
