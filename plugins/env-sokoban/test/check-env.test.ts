import { describe, expect, test } from "bun:test";
import { checkEnv } from "@stepwise/core";
import { Effect } from "effect";
import { sokobanPlugin } from "../src/index.ts";

const run = (options: Parameters<typeof checkEnv>[1]) => {
	const report = Effect.runSync(checkEnv(sokobanPlugin, options));
	if (!report.ok) console.error(report.failures);
	return report;
};

describe("checkEnv conformance", () => {
	test("every spec passes with its defaults", () => {
		const report = run({});
		expect(report.failures).toEqual([]);
		expect(report.ok).toBe(true);
		expect(report.results.length).toBe(13 * sokobanPlugin.specs.length);
	});

	test("the 6x6 spec passes with compact observations and a second check seed, the expert solving 30 tasks", () => {
		const report = run({ specs: ["sokoban/6x6-1box-v0"], overrides: { render: "compact" }, seed: 3, expertTasks: 30 });
		expect(report.failures).toEqual([]);
		expect(report.ok).toBe(true);
	});

	test("the 6x6 spec passes with two boxes in 8x8 rooms (BFS expert on larger states)", () => {
		const report = run({
			specs: ["sokoban/6x6-1box-v0"],
			overrides: { width: 8, height: 8, boxes: 2, maxSolutionLength: 15 },
		});
		expect(report.failures).toEqual([]);
		expect(report.ok).toBe(true);
	});

	test("fixed levels given as text, dealt to the train and test splits, pass (A* expert)", () => {
		const levels = [
			"; a\n#######\n#@ $ .#\n#######",
			"; b\n######\n#. $ #\n#    #\n# $@.#\n######",
			"; c\n#######\n#  .  #\n# $@  #\n#     #\n#######",
			"; d\n######\n#+$  #\n# $ .#\n######",
		].join("\n\n");
		const report = run({
			specs: ["sokoban/6x6-1box-v0"],
			overrides: { levels, maxSolutionLength: undefined, expert: "astar" },
		});
		expect(report.failures).toEqual([]);
		expect(report.ok).toBe(true);
	});
});
