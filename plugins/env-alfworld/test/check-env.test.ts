import { describe, expect, test } from "bun:test";
import { checkEnv, EnvRegistry, envRegistryWith, withTimeLimit } from "@stepwise/core";
import { Effect } from "effect";
import { alfworldPlugin, currentSpec, currentSpecV1, layer, legacySpec, legacySpecV1 } from "../src/index.ts";

const run = (options: Parameters<typeof checkEnv>[1]) => {
	const report = Effect.runSync(checkEnv(alfworldPlugin, options));
	if (!report.ok) console.error(report.failures.join("\n"));
	return report;
};

describe("checkEnv", () => {
	test("all five specs pass the conformance suite (searcher expert, the specs' default)", () => {
		const report = run({});
		expect(report.failures).toEqual([]);
		expect(report.ok).toBe(true);
		expect(report.results.filter((r) => r.ok).length).toBe(5 * 13);
	});

	test("the oracle expert passes it too", () => {
		const report = run({ overrides: { expert: "oracle" }, garbage: 200 });
		expect(report.failures).toEqual([]);
		expect(report.ok).toBe(true);
	});
});

describe("specs and options", () => {
	test("step limits: 40 in the SPA style, 50 in the verl-agent style; splits", () => {
		expect(legacySpec.maxSteps).toBe(40);
		expect(currentSpec.maxSteps).toBe(50);
		expect(legacySpecV1.maxSteps).toBe(40);
		expect(currentSpecV1.maxSteps).toBe(50);
		expect(legacySpecV1.options.locations).toBe("shared");
		expect(currentSpecV1.options.locations).toBe("shared");
		expect(legacySpec.options.locations).toBe("distinct");
		expect(legacySpec.options.grammar).toBe("legacy");
		expect(currentSpec.options.grammar).toBe("current");
		for (const spec of alfworldPlugin.specs) expect(spec.splits).toEqual(["train", "valid_seen", "valid_unseen"]);
	});

	test("under the framework's TimeLimit, episodes truncate at 40 (legacy) and 50 (v0.4) steps", () => {
		for (const [spec, limit] of [
			[legacySpec, 40],
			[currentSpec, 50],
		] as const) {
			const env = withTimeLimit(Effect.runSync(alfworldPlugin.make(spec)));
			env.reset({ seed: 0, split: "valid_unseen", index: 0 });
			let steps = 0;
			let last = env.step("look");
			for (steps = 1; !last.truncated && steps < 100; steps++) last = env.step(steps % 2 === 0 ? "look" : "inventory");
			expect(steps).toBe(limit);
			expect(last.terminated).toBe(false);
		}
	});

	test("checkEnv with 100 expert tasks: the searcher solves all 100 training tasks within each spec's step limit", () => {
		const report = run({ expertTasks: 100, garbage: 10, randomEpisodes: 1 });
		expect(report.results.filter((r) => r.property === "expert-solves").every((r) => r.ok)).toBe(true);
	});

	test("bad options fail with EnvConfigError naming the option", () => {
		const bad = Effect.runSync(Effect.flip(alfworldPlugin.make(legacySpec, { grammar: "v9" })));
		expect(bad._tag).toBe("EnvConfigError");
		expect(bad.path).toBe("grammar");
		const unknown = Effect.runSync(Effect.flip(alfworldPlugin.make(legacySpec, { colour: 1 })));
		expect(unknown.path).toBe("colour");
	});

	test("the layer registers the five specs in the registry", () => {
		const ids = Effect.runSync(
			Effect.provide(
				EnvRegistry.use((r) => Effect.succeed(r.specs().map((s) => s.spec.id))),
				envRegistryWith(layer),
			),
		);
		expect(ids).toEqual([
			"alfworld/legacy-v0",
			"alfworld/v0.4-v0",
			"alfworld/legacy-v1",
			"alfworld/v0.4-v1",
			"alfworld/compact-v0",
		]);
	});
});
