import { describe, expect, test } from "bun:test";
import { checkEnv, EnvConfigError, EnvRegistry, envRegistryWith } from "@stepwise/core";
import { Effect } from "effect";
import { layer } from "../src/index.ts";
import { webshopPlugin } from "../src/plugin.ts";

const make = (specIndex: number, overrides: Record<string, unknown> = {}) => {
	const spec = webshopPlugin.specs[specIndex];
	if (spec === undefined) throw new Error("no spec");
	return Effect.runSync(webshopPlugin.make(spec, overrides));
};

describe("conformance", () => {
	test("checkEnv passes on the four specs with the oracle expert, and on compact-v1 with its shopper expert (which wins 8 of 10 there)", () => {
		const report = Effect.runSync(checkEnv(webshopPlugin, { overrides: { expert: "oracle" } }));
		if (!report.ok) console.error(report.failures);
		expect(report.ok).toBe(true);
		expect(report.results.length).toBe(52);
		const shopper = Effect.runSync(checkEnv(webshopPlugin, { specs: ["webshop/compact-v1"], expertMinSuccess: 0.7 }));
		if (!shopper.ok) console.error(shopper.failures);
		expect(shopper.ok).toBe(true);
	});
	test("the layer registers the four specs; the registry wraps the step limit and reward scale", () => {
		const program = Effect.gen(function* () {
			const registry = yield* EnvRegistry;
			const ids = registry.specs().map((s) => s.spec.id);
			const env = yield* registry.make("webshop/verl-v0");
			env.reset({ seed: 0, split: "test", index: 0 });
			let last = env.step(env.expertAction() as string);
			while (!last.terminated && !last.truncated) last = env.step(env.expertAction() as string);
			return { ids, reward: last.reward, won: last.info.won };
		});
		const r = Effect.runSync(Effect.provide(program, envRegistryWith(layer)));
		expect(r.ids).toEqual(["webshop/verl-v0", "webshop/eto-v0", "webshop/compact-v0", "webshop/compact-v1"]);
		expect(r).toMatchObject({ reward: 10, won: true });
	});
});

describe("options", () => {
	test("bad options are an EnvConfigError naming the option", () => {
		const cases: [Record<string, unknown>, string][] = [
			[{ catalogueSize: 5 }, "catalogueSize"],
			[{ catalogueSize: 1.5 }, "catalogueSize"],
			[{ observation: "html" }, "observation"],
			[{ reward: 3 }, "reward"],
			[{ testGoals: 0 }, "testGoals"],
			[{ nonsense: true }, "nonsense"],
			[{ actions: "letters" }, "actions"],
			[{ actions: "numbered" }, "actions"],
			[{ expert: "human" }, "expert"],
			[{ shopperOpens: 0 }, "shopperOpens"],
		];
		for (const [overrides, path] of cases) {
			const spec = webshopPlugin.specs[0];
			if (spec === undefined) throw new Error("no spec");
			const r = Effect.runSync(Effect.result(webshopPlugin.make(spec, overrides)));
			expect(r._tag).toBe("Failure");
			if (r._tag === "Failure") {
				expect(r.failure).toBeInstanceOf(EnvConfigError);
				expect(r.failure.path).toBe(path);
			}
		}
	});
});

describe("dynamics (§2.4)", () => {
	test("invalid actions change nothing: same observation, reward 0, valid false", () => {
		const env = make(1);
		const first = env.reset({ seed: 0, split: "test", index: 3 }).observation;
		for (const a of ["click[search]", "search[]", "buy now", "click[next >]", "Search[shoes]", "click[b000000000]"]) {
			const r = env.step(a);
			expect(r).toMatchObject({ observation: first, reward: 0, terminated: false, info: { valid: false } });
		}
	});
	test("search works from any page [quirk]; next > is offered on the last page [quirk]", () => {
		const env = make(1);
		env.reset({ seed: 0, split: "test", index: 0 });
		env.step(env.expertAction() as string);
		const asin = (env.admissibleActions() ?? []).find((a) => /^click\[b0/.test(a)) as string;
		const item = env.step(asin);
		expect(item.observation.endsWith("Buy Now")).toBe(true);
		const again = env.step("search[hair dryer]");
		expect(again.info.valid).toBe(true);
		expect(again.observation).toContain("Page 1 (Total results: 50)");
		for (let p = 2; p <= 6; p++) {
			const r = env.step("click[next >]");
			expect(r.observation).toContain(`Page ${p} (Total results: 50) [SEP] < Prev [SEP] Next >`);
		}
		expect(env.step("click[next >]").info.valid).toBe(true);
	});
	test("selected options are part of the state key; < prev from a sub-page keeps them, from an item clears them", () => {
		const env = make(1);
		env.reset({ seed: 0, split: "test", index: 0 });
		while (!(env.expertAction() as string).startsWith("click[b0")) env.step(env.expertAction() as string);
		env.step(env.expertAction() as string);
		const option = env.expertAction() as string;
		expect(option).not.toBe("click[buy now]");
		env.step(option);
		const key = env.stateKey();
		expect(key).toContain(`=${option.slice(6, -1)}`);
		env.step("click[description]");
		expect(env.stateKey()).toContain(`=${option.slice(6, -1)}`);
		env.step("click[< prev]");
		expect(env.stateKey()).toBe(key);
		env.step("click[< prev]");
		expect(env.stateKey()).not.toContain("options:");
		env.step(env.expertAction() as string);
		expect(env.stateKey().endsWith("|| options: ")).toBe(true);
	});
	test("buying: verl-v0 rewards 1 (×10 by the framework) on score 1.0; eto-v0 the raw score", () => {
		for (const [i, expectWrong] of [
			[0, 0],
			[1, -1],
		] as const) {
			const env = make(i);
			env.reset({ seed: 0, split: "test", index: 5 });
			// buy the first listed product without choosing options: a partial score
			env.step(env.expertAction() as string);
			const other = (env.admissibleActions() ?? []).filter((a) => /^click\[b0/.test(a));
			const target = env.expertAction();
			env.step(other.find((a) => a !== target) as string);
			const r = env.step("click[buy now]");
			expect(r.terminated).toBe(true);
			expect(r.info.score).toBeLessThan(1);
			expect(r.info.won).toBe(false);
			expect(r.reward).toBe(expectWrong === 0 ? 0 : r.info.score);
			expect(r.observation).toContain("Thank you for shopping with us!");
			expect(env.expertAction()).toBeUndefined();
		}
	});
	test("the test split is a fixed list; train is rotated by the seed; splits are disjoint", () => {
		const env = make(0);
		const t0 = env.reset({ seed: 0, split: "test", index: 7 }).task;
		const t1 = env.reset({ seed: 99, split: "test", index: 7 }).task;
		expect(t1).toEqual(t0);
		const a = env.reset({ seed: 0, split: "train", index: 7 }).task.id;
		const b = env.reset({ seed: 1, split: "train", index: 7 }).task.id;
		expect(a).not.toBe(b);
		const test = new Set(
			Array.from({ length: 500 }, (_, i) => env.reset({ seed: 0, split: "test", index: i }).task.id.split("/")[1]),
		);
		expect(test.size).toBe(500);
		for (let i = 0; i < 300; i++)
			expect(test.has(env.reset({ seed: 3, split: "train", index: i }).task.id.split("/")[1])).toBe(false);
	});
});

describe("expert (§2.6)", () => {
	test("query ladder: only the expert's own query advances it (condensed → product query → title)", () => {
		const env = make(1);
		env.reset({ seed: 0, split: "test", index: 4 });
		const first = env.expertAction() as string;
		expect(env.admissibleActions()).toContain(first);
		env.step("search[something else entirely]");
		env.step("click[back to search]");
		expect(env.expertAction()).toBe(first);
		env.step(first);
		env.step("click[back to search]");
		const second = env.expertAction() as string;
		expect(second).not.toBe(first);
		expect(env.admissibleActions()).toEqual([second]);
	});
	test("reaches score 1.0 on at least 95% of 100 test goals within the step limits (15 and 10)", () => {
		for (const i of [0, 1]) {
			const env = make(i);
			const limit = webshopPlugin.specs[i]?.maxSteps ?? 0;
			let won = 0;
			for (let g = 0; g < 100; g++) {
				env.reset({ seed: 0, split: "test", index: g });
				for (let t = 0; t < limit; t++) {
					const r = env.step(env.expertAction() as string);
					if (r.terminated) {
						if (r.info.score === 1) won++;
						break;
					}
				}
			}
			expect(won).toBeGreaterThanOrEqual(95);
		}
	});
});
