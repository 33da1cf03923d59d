import { describe, expect, test } from "bun:test";
import { checkEnv } from "@stepwise/core";
import { Effect } from "effect";
import { searchPlugin } from "../src/index.ts";
import { cacheDir } from "./helpers.ts";

describe("checkEnv", () => {
	test("the six specs pass the conformance suite (expert must solve 20/20 tasks)", () => {
		const report = Effect.runSync(checkEnv(searchPlugin, { overrides: { cacheDir }, expertTasks: 20 }));
		if (!report.ok) console.error(report.failures);
		expect(report.failures).toEqual([]);
		expect(report.ok).toBe(true);
		expect(report.results.length).toBe(6 * 13);
	});
});
