import { describe, expect, test } from "bun:test";
import { type EnvConfigError, EnvRegistry, EnvUsageError, envRegistryWith } from "@stepwise/core/env/index";
import { Effect } from "effect";
import { layer, virtualHomePlugin, virtualHomeSpecs } from "../src/index.ts";

const spa = virtualHomeSpecs.find((s) => s.id === "virtualhome/spa-v0");
if (spa === undefined) throw new Error("missing spa spec");

const configError = (overrides: Record<string, unknown>): EnvConfigError | undefined => {
	const r = Effect.runSync(Effect.result(virtualHomePlugin.make(spa, overrides)));
	return r._tag === "Failure" ? r.failure : undefined;
};

describe("plugin, specs and options", () => {
	test("specs: SPA chat (40 steps), verl-style port (50 steps, ×10), compact", () => {
		expect(virtualHomeSpecs.map((s) => [s.id, s.promptStyle, s.maxSteps, s.rewardScale])).toEqual([
			["virtualhome/spa-v0", "chat", 40, 1],
			["virtualhome/verl-v0", "step", 50, 10],
			["virtualhome/compact-v0", "compact", 40, 1],
		]);
		for (const s of virtualHomeSpecs) expect(s.splits).toEqual(["train", "test"]);
	});

	test("bad options are EnvConfigErrors naming the option", () => {
		expect(configError({ distractors: -1 })?.path).toBe("distractors");
		expect(configError({ distractors: 2.5 })?.path).toBe("distractors");
		expect(configError({ distractors: "many" })?.path).toBe("distractors");
		expect(configError({ templates: [] })?.path).toBe("templates");
		expect(configError({ templates: ["fly_to_moon"] })?.message).toContain("fly_to_moon");
		expect(configError({ colour: "red" })?.path).toBe("colour");
		expect(configError({ distractors: 0, templates: ["drink"] })).toBeUndefined();
	});

	test("options act: a template subset draws only those templates; distractors change the apartments", () => {
		const env = Effect.runSync(virtualHomePlugin.make(spa, { templates: ["watch_tv"] }));
		for (let i = 0; i < 5; i++) expect(env.reset({ seed: 0, split: "train", index: i }).task.type).toBe("watch_tv");
		const bare = Effect.runSync(virtualHomePlugin.make(spa, { distractors: 0, templates: ["go_to_sleep"] }));
		bare.reset({ seed: 0, split: "train", index: 0 });
		const busy = Effect.runSync(virtualHomePlugin.make(spa, { distractors: 60, templates: ["go_to_sleep"] }));
		busy.reset({ seed: 0, split: "train", index: 0 });
		expect(bare.expertAction()).toBe("Walk to bedroom");
		expect(busy.expertAction()).toBe("Walk to bedroom");
	});

	test("the layer registers every spec; the registry wraps with the step limit", () => {
		const program = Effect.gen(function* () {
			const registry = yield* EnvRegistry;
			const ids = registry.specs().map((s) => s.spec.id);
			const env = yield* registry.make("virtualhome/spa-v0");
			env.reset({ seed: 0, split: "train", index: 0 });
			let last = env.step("dance");
			while (!last.truncated) last = env.step("dance");
			return { ids, steps: env.stepCount, last };
		});
		const r = Effect.runSync(Effect.provide(program, envRegistryWith(layer)));
		expect(r.ids).toEqual(virtualHomeSpecs.map((s) => s.id));
		expect(r.steps).toBe(40);
		expect(r.last.observation).toBe("Nothing happens.");
	});
});

describe("env semantics", () => {
	const make = () => Effect.runSync(virtualHomePlugin.make(spa));

	test("reset: empty first observation, SPA task message, task type = template", () => {
		const env = make();
		const r = env.reset({ seed: 1, split: "test", index: 2 });
		expect(r.observation).toBe("");
		expect(r.task.id).toBe("test/1/2");
		expect(r.task.instruction).toMatch(/^The task is [A-Z][^(]* \(.+\)\.$/);
		expect(typeof r.task.type).toBe("string");
		expect(() => env.reset({ seed: 1, split: "valid", index: 0 })).toThrow(EnvUsageError);
	});

	test("invalid actions: Nothing happens., valid=false, reward 0, state key unchanged", () => {
		const env = make();
		env.reset({ seed: 0, split: "train", index: 0 });
		const key = env.stateKey();
		for (const a of ["Grab spaceship", "sit on kitchen", "release", "", "walk to the kitchen"]) {
			const r = env.step(a);
			expect(r).toMatchObject({
				observation: "Nothing happens.",
				reward: 0,
				terminated: false,
				info: { valid: false, won: false },
			});
			expect(env.stateKey()).toBe(key);
		}
		expect(key).toBe("");
		expect(env.step("Walk to kitchen").info.valid).toBe(true);
		expect(env.stateKey()).toContain("+character.1 INSIDE kitchen");
	});

	test("the state key is history-free: two paths to the same graph share it", () => {
		const a = make();
		const b = make();
		a.reset({ seed: 0, split: "train", index: 0 });
		b.reset({ seed: 0, split: "train", index: 0 });
		a.step("Walk to bathroom");
		a.step("Walk to kitchen");
		b.step("Walk to bedroom");
		b.step("Walk to livingroom");
		b.step("Walk to kitchen");
		expect(a.stateKey()).toBe(b.stateKey());
	});

	test("success terminates with reward 1; stepping on throws; the expert answers undefined", () => {
		const env = make();
		env.reset({ seed: 0, split: "train", index: 4 });
		let r = env.step(env.expertAction() ?? "");
		while (!r.terminated) r = env.step(env.expertAction() ?? "");
		expect(r.reward).toBe(1);
		expect(r.info).toMatchObject({ won: true, valid: true, score: 1 });
		expect(env.expertAction()).toBeUndefined();
		expect(() => env.step("Walk to kitchen")).toThrow(EnvUsageError);
	});
});
