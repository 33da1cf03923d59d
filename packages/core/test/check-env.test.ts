import { describe, expect, test } from "bun:test";
import { Effect } from "effect";
import { checkEnv } from "../src/index.ts";
import { corridorPlugin } from "./fixtures/corridor.ts";

const run = (hooks: Parameters<typeof corridorPlugin>[0]) => Effect.runSync(checkEnv(corridorPlugin(hooks)));

describe("checkEnv", () => {
	test("passes a correct environment", () => {
		const report = run({});
		expect(report.failures).toEqual([]);
		expect(report.ok).toBe(true);
		expect(report.results.length).toBe(13);
	});

	test.each([
		["non-deterministic reset", { randomReset: true }, "reset-determinism"],
		["throwing on garbage", { throwOnGarbage: true }, "garbage-actions"],
		["a step after termination accepted", { acceptAfterEnd: true }, "terminated-semantics"],
		["an unstable stateKey", { unstableKey: true }, "state-key-stability"],
		["a formatAction its projection does not read back", { badFormat: true }, "action-roundtrip"],
	] as const)("fails %s, naming the property", (_name, hooks, property) => {
		const report = run(hooks);
		expect(report.ok).toBe(false);
		expect(report.failures.some((f) => f.includes(`: ${property}: `))).toBe(true);
	});

	test("a plugin whose make fails is reported, not thrown", () => {
		const report = Effect.runSync(checkEnv(corridorPlugin(), { overrides: { length: -1 } }));
		expect(report.ok).toBe(false);
		expect(report.failures[0]).toContain("length must be an integer");
	});
});
