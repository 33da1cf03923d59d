import { describe, expect, test } from "bun:test";
import { EnvConfigError, EnvRegistry } from "@stepwise/core";
import { Effect, Layer } from "effect";
import { INVALID_ACTION_MESSAGE, layer, searchPlugin, searchR1Spec, verlSpec } from "../src/index.ts";
import { cacheDir, makeEnv } from "./helpers.ts";

describe("Search-R1 format", () => {
	const env = makeEnv(searchR1Spec);
	test("reset: the question is the observation and the first stateKey", () => {
		const r = env.reset({ seed: 0, split: "test", index: 3 });
		expect(r.observation).toBe(r.task.instruction);
		expect(r.task).toMatchObject({ id: "test/0/3" });
		expect(["single-hop", "bridge", "comparison", "three-hop"]).toContain(r.task.type as string);
		expect(env.stateKey()).toBe(r.observation);
	});
	test("search answers with <information> docs; stateKey becomes the retrieved text", () => {
		env.reset({ seed: 0, split: "test", index: 3 });
		const r = env.step("<think>let me look</think>\n<search> University </search> trailing");
		expect(r.info.valid).toBe(true);
		expect(r.terminated).toBe(false);
		expect(r.reward).toBe(0);
		expect(r.observation).toMatch(
			/^\n\n<information>Doc 1\(Title: "[^"]+"\) [^\n]+\nDoc 2\(Title: "[^"]+"\) [^\n]+\nDoc 3\(Title: "[^"]+"\) [^\n]+<\/information>\n\n$/,
		);
		expect(env.stateKey()).toBe(r.observation.slice("\n\n<information>".length, -"</information>\n\n".length));
	});
	test("invalid text: the invalid-action message, valid=false, state unchanged", () => {
		env.reset({ seed: 0, split: "test", index: 3 });
		env.step("<search>University</search>");
		const key = env.stateKey();
		const expert = env.expertAction();
		const r = env.step("I think the answer is Paris.");
		expect(r).toEqual({
			observation: INVALID_ACTION_MESSAGE,
			reward: 0,
			terminated: false,
			truncated: false,
			info: { won: false, valid: false, score: 0, extra: r.info.extra ?? {} },
		});
		expect(env.stateKey()).toBe(key);
		expect(env.expertAction()).toBe(expert);
	});
	test("answer terminates with the EM reward", () => {
		const r0 = env.reset({ seed: 0, split: "test", index: 3 });
		const gold = String((r0.info.extra?.golden_answers as string[] | undefined)?.[0]);
		const r = env.step(`<answer> ${gold.toUpperCase()}. </answer>`);
		expect(r).toMatchObject({ observation: "", reward: 1, terminated: true, truncated: false });
		expect(r.info).toMatchObject({ won: true, valid: true, score: 1 });
		env.reset({ seed: 0, split: "test", index: 3 });
		const wrong = env.step("<answer>certainly not this</answer>");
		expect(wrong).toMatchObject({ reward: 0, terminated: true, info: { won: false, valid: true, score: 0 } });
		expect(env.expertAction()).toBeUndefined();
	});
	test("after maxTurns turns a search gets an empty information block (Search-R1's do_search=False round)", () => {
		const e = makeEnv(searchR1Spec, { maxTurns: 2 });
		e.reset({ seed: 0, split: "train", index: 0 });
		expect(e.step("<search>a</search>").observation).toStartWith("\n\n<information>");
		expect(e.step("nonsense").info.valid).toBe(false);
		const key = e.stateKey();
		const r = e.step("<search>University</search>");
		expect(r.observation).toBe("\n\n<information></information>\n\n");
		expect(r.info.valid).toBe(true);
		expect(e.stateKey()).toBe(key);
	});
});

describe("verl-agent format", () => {
	const env = makeEnv(verlSpec);
	test("search results are JSON-wrapped; invalid actions give an empty observation", () => {
		env.reset({ seed: 0, split: "test", index: 1 });
		const r = env.step("<search>University</search>");
		expect(r.observation).toStartWith('<information>{"result": "Doc 1: \\"');
		const inner = JSON.parse(r.observation.slice(13, -14)) as { result: string };
		expect(inner.result.split("\n").filter((l) => /^Doc \d: "/.test(l)).length).toBe(3);
		const bad = env.step("<search>a</search><answer>b</answer>");
		expect(bad).toMatchObject({ observation: "", reward: 0, terminated: false, info: { valid: false } });
		expect(env.step("<search>zzzzqqq</search>").observation).toBe(
			'<information>{"result": "No search results found."}</information>',
		);
	});
	test("the specs carry verl-agent's loop settings", () => {
		expect(verlSpec).toMatchObject({ maxSteps: 4, historyLength: 4, invalidPenalty: 0.01, promptStyle: "step" });
		expect(searchR1Spec).toMatchObject({ maxSteps: 5, promptStyle: "chat" });
	});
	test("the framework's TimeLimit truncates after 4 steps", () => {
		const managed = Effect.runSync(
			Effect.gen(function* () {
				const registry = yield* EnvRegistry;
				return yield* registry.make("search/verl-v0", { cacheDir });
			}).pipe(Effect.provide(Layer.provideMerge(layer, EnvRegistry.layer))),
		);
		managed.reset({ seed: 0, split: "train", index: 2 });
		const results = [1, 2, 3, 4].map(() => managed.step("<search>University</search>"));
		expect(results.map((r) => r.truncated)).toEqual([false, false, false, true]);
		expect(results.every((r) => !r.terminated)).toBe(true);
	});
});

describe("options", () => {
	const fails = (overrides: Record<string, unknown>) => {
		const exit = Effect.runSyncExit(Effect.flip(searchPlugin.make(verlSpec, { cacheDir, ...overrides })));
		if (exit._tag !== "Success") throw new Error("make() succeeded where it must fail");
		return exit.value;
	};
	test("bad values and unknown options are EnvConfigErrors naming the option", () => {
		for (const [overrides, path] of [
			[{ passages: 5 }, "passages"],
			[{ passages: 2_000_000 }, "passages"],
			[{ passages: 10_000.5 }, "passages"],
			[{ format: "xml" }, "format"],
			[{ topK: 0 }, "topK"],
			[{ maxTurns: "4" }, "maxTurns"],
			[{ diskCache: "yes" }, "diskCache"],
			[{ cacheDir: "" }, "cacheDir"],
			[{ nonsense: 1 }, "nonsense"],
			[{ expertQueries: "smart" }, "expertQueries"],
			[{ compactDocChars: 5 }, "compactDocChars"],
		] as const) {
			const error = fails(overrides);
			expect(error).toBeInstanceOf(EnvConfigError);
			expect(error.path).toBe(path);
			expect(error.message).toContain(path);
		}
	});
	test("an unwritable cache folder is an EnvConfigError on cacheDir", () => {
		const error = fails({ cacheDir: "/proc/definitely/not/writable", corpusSeed: 99 });
		expect(error.path).toBe("cacheDir");
	});
	test("topK changes the number of passages returned", () => {
		const e = makeEnv(searchR1Spec, { topK: 5 });
		e.reset({ seed: 0, split: "train", index: 0 });
		expect(e.step("<search>University</search>").observation.match(/Doc \d\(Title:/g)?.length).toBe(5);
	});
});
