import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit, Result } from "effect";
import { parse } from "yaml";
import { resolveConfig } from "../src/config/decode.ts";
import { defaultConfig, RunConfig } from "../src/config/schema.ts";
import { errorLine, runCli } from "../src/main.ts";
import { brokenRelation, EXPLORATION_OFFSET, VALIDATION_OFFSET } from "../src/stages/context.ts";
import { makeCreditFn } from "../src/stages/credit-fn.ts";
import { periodicEvalTasks } from "../src/stages/rl.ts";
import { makeTrajectory } from "./helpers.ts";

const configs = join(import.meta.dir, "..", "configs");
const failure = (e: Effect.Effect<unknown, unknown>) => {
	const exit = Effect.runSyncExit(e);
	return Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined;
};

describe("run config", () => {
	test("configs/default.yaml is the schema's defaults (regenerate with scripts/write-default-config.ts)", () => {
		expect(parse(readFileSync(join(configs, "default.yaml"), "utf8"))).toEqual(defaultConfig);
	});

	test.each(readdirSync(configs).filter((f) => f.endsWith(".yaml")))("configs/%s decodes", (file) => {
		const c = Effect.runSync(resolveConfig(RunConfig, { file: join(configs, file), base: defaultConfig }));
		expect(c.env.spec).toBe(
			file === "webshop.yaml" || file === "search.yaml" ? `${file.slice(0, -5)}/compact-v0` : "sokoban/6x6-1box-v0",
		);
	});

	test("overrides reach nested keys; unknown keys and bad values name the key", () => {
		const c = Effect.runSync(
			resolveConfig(RunConfig, {
				base: defaultConfig,
				overrides: ["train.lr=1e-4", "method.name=gigpo", "eval.seeds=[3,4]"],
			}),
		);
		expect([c.train.lr, c.method.name, c.eval.seeds]).toEqual([1e-4, "gigpo", [3, 4]]);
		const bad = (o: string) =>
			failure(resolveConfig(RunConfig, { base: defaultConfig, overrides: [o] })) as { key: string };
		expect(bad("train.lrr=1").key).toBe("train.lrr");
		expect(bad("rollout.groupSize=0").key).toBe("rollout.groupSize");
		expect(bad("method.name=ppo2").key).toBe("method.name");
		expect(bad("model.dModel=1.5").key).toBe("model.dModel");
		expect(bad("eval.seeds=[]").key).toBe("eval.seeds");
	});

	test("RL's periodic evaluation runs on held-out train-split validation tasks by default, on the test split on request", () => {
		const config = { ...defaultConfig, env: { ...defaultConfig.env, trainSplit: "train", evalSplit: "test" } };
		const val = periodicEvalTasks(config);
		expect(val).toHaveLength(config.train.evalTasks);
		expect(val.every((t) => t.split === "train" && t.index >= VALIDATION_OFFSET)).toBe(true);
		// beyond every training stage's tasks: SFT demos and the RL iterations, then exploration's own range
		expect(config.sft.episodes + config.train.iterations * config.rollout.groups).toBeLessThan(EXPLORATION_OFFSET);
		expect(EXPLORATION_OFFSET + config.progress.tasks).toBeLessThan(VALIDATION_OFFSET);
		expect(brokenRelation(config)).toBeUndefined();
		expect(brokenRelation({ ...config, train: { ...config.train, iterations: 70_000 } })?.key).toBe("train.iterations");
		const test = periodicEvalTasks({ ...config, train: { ...config.train, evalOn: "test" } });
		expect(test.map((t) => [t.split, t.index])).toEqual(test.map((_, i) => ["test", i]));
		expect(failure(resolveConfig(RunConfig, { base: defaultConfig, overrides: ["train.evalOn=dev"] }))).toMatchObject({
			key: "train.evalOn",
		});
	});

	test("a command refuses a bad key, spec or env option before making a run directory, naming it", async () => {
		const runs = mkdtempSync(join(tmpdir(), "stepwise-bad-"));
		for (const [override, named] of [
			[["eval.taks=3"], "eval.taks"],
			[["env.spec=nope/v0"], "nope/v0"],
			[["env.options.boxes=100"], "boxes"],
			[["rollout.greedyMembers=8"], "rollout.greedyMembers"],
			[["rollout.screen=3"], "rollout.screen"],
			[["rollout.screen=16", "rollout.filterRounds=2"], "rollout.filterRounds"],
			[["train.data=exploration", "rollout.filterRounds=2"], "train.data"],
		] as const) {
			const exit = await Effect.runPromiseExit(runCli(["eval", "--policy", "expert", `runsDir=${runs}`, ...override]));
			expect(Exit.isFailure(exit)).toBe(true);
			const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined;
			expect(errorLine(error)).toContain(named);
		}
		expect(readdirSync(runs)).toEqual([]);
	});

	test("a method's bad option is refused up front, naming it", () => {
		const r = makeCreditFn({ ...defaultConfig.method, name: "rewardflow", config: { gama: 0.9 } });
		expect(Result.isFailure(r) ? r.failure.message : "").toContain("gama");
		const m = makeCreditFn({ ...defaultConfig.method, name: "mix", mix: "0.5*gigpo + x*y" });
		expect(Result.isFailure(m)).toBe(true);
		expect(Result.isSuccess(makeCreditFn({ ...defaultConfig.method, name: "gigpo", config: { gamma: 0.9 } }))).toBe(
			true,
		);
	});

	test("method.config overrides the method's default credit options key by key (ppo keeps episode rewards)", () => {
		const batch = {
			groups: [
				{
					groupId: "g",
					trajectories: [
						makeTrajectory("g", {
							id: "a",
							steps: [
								["s0", -0.1],
								["s0", 10],
							],
							end: "terminated",
							final: "goal",
						}),
						makeTrajectory("g", { id: "b", steps: [["s0", -0.1]], end: "truncated", final: "s1" }),
					],
				},
			],
		};
		const rewards = (config: Record<string, unknown>) => {
			const fn = makeCreditFn({ ...defaultConfig.method, name: "ppo", config });
			if (Result.isFailure(fn)) throw new Error(fn.failure.message);
			return Array.from(fn.success(batch, { iteration: 1 }).stepRewards as ArrayLike<number>);
		};
		// verl-agent's PPO: every row carries its episode's return (9.9, 9.9, −0.1), here minus p₀ on the wall bump
		expect(rewards({})).toEqual([9.9, 9.9, -0.1]);
		expect(rewards({ noOpPenalty: 1 })).toEqual([8.9, 9.9, -0.1]);
	});
});
