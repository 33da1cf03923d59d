import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatTrajectories } from "@stepwise/core";
import { Effect, Exit } from "effect";
import { type CreditRow, creditFile } from "../src/credit/compute.ts";
import { runCli } from "../src/main.ts";
import { rewardFlowExample } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "stepwise-credit-"));
const input = join(dir, "example.jsonl");
writeFileSync(input, formatTrajectories(rewardFlowExample()));
const readRows = (path: string): CreditRow[] =>
	readFileSync(path, "utf8")
		.trim()
		.split("\n")
		.map((l) => JSON.parse(l) as CreditRow);
const close = (a: number | undefined, b: number) => expect(Math.abs((a ?? Number.NaN) - b)).toBeLessThan(1e-4);

describe("stepwise credit", () => {
	test("reproduces the RewardFlow worked example of docs/credit/rewardflow.md through the CLI", async () => {
		const output = join(dir, "rf.jsonl");
		await Effect.runPromise(
			runCli(["credit", "--method", "rewardflow", "--input", input, "--output", output, "gamma=0.9", "maxSteps=4"]),
		);
		const rows = readRows(output);
		expect(rows).toHaveLength(11);
		const at = (id: string, t: number) => rows.find((r) => r.trajectory === id && r.t === t);
		const expected: Record<string, { r: number[]; a: number[] }> = {
			A: { r: [0.81, 0.9, 1.0], a: [10.2427, 11.7727, 7.2727] },
			B: { r: [0, 0.81, -8.1, 0], a: [-0.5673, -2.7273, -7.2273, -2.7273] },
			C: { r: [-7.29, 0, 0, 0], a: [-7.8573, -2.7273, -2.7273, -2.7273] },
		};
		for (const [id, e] of Object.entries(expected)) {
			e.r.forEach((v, t) => {
				close(at(id, t)?.stepReward, v);
			});
			e.a.forEach((v, t) => {
				close(at(id, t)?.advantage, v);
			});
		}
		expect(at("A", 0)?.stateKey).toBe("s0");
	});

	test("a malformed line is reported with its line number and no output is written", () => {
		const bad = join(dir, "bad.jsonl");
		const lines = formatTrajectories(rewardFlowExample()).trim().split("\n");
		lines[1] = (lines[1] as string).replace('"reward":0', '"reward":"zero"');
		writeFileSync(bad, `${lines.join("\n")}\n`);
		const output = join(dir, "bad-out.jsonl");
		const exit = Effect.runSyncExit(creditFile(bad, output, { method: "grpo" }));
		expect(Exit.isFailure(exit)).toBe(true);
		const err = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined;
		expect(err?._tag).toBe("TrajectoryFileError");
		expect(err && "line" in err ? err.line : 0).toBe(2);
		expect(err?.message).toContain(":2:");
		expect(existsSync(output)).toBe(false);
		expect(readdirSync(dir).filter((f) => f.startsWith(".bad-out"))).toEqual([]);
		// not JSON at all, on line 3
		lines[1] = lines[0] as string;
		lines[2] = "{oops";
		writeFileSync(bad, `${lines.join("\n")}\n`);
		const exit2 = Effect.runSyncExit(creditFile(bad, output, { method: "grpo" }));
		const err2 = Exit.isFailure(exit2) ? exit2.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined;
		expect(err2 && "line" in err2 ? err2.line : 0).toBe(3);
		expect(existsSync(output)).toBe(false);
	});

	test("bad method options name the option; an existing output is left untouched on failure", () => {
		const output = join(dir, "keep.jsonl");
		writeFileSync(output, "previous\n");
		const exit = Effect.runSyncExit(creditFile(input, output, { method: "rewardflow", config: { gama: 0.9 } }));
		expect(Exit.isFailure(exit)).toBe(true);
		const err = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined;
		expect(err?.message).toContain("gama");
		expect(readFileSync(output, "utf8")).toBe("previous\n");
		// SPA needs progress estimates; the example has none
		const spa = Effect.runSyncExit(creditFile(input, output, { method: "spa" }));
		expect(Exit.isFailure(spa)).toBe(true);
	});

	test("every method and a mix give one finite row per step", () => {
		for (const method of ["grpo", "rloo", "gigpo", "rewardflow", "ppo"] as const) {
			const output = join(dir, `${method}.jsonl`);
			const r = Effect.runSync(creditFile(input, output, { method }));
			expect(r.rows).toHaveLength(11);
			expect(readRows(output).every((row) => Number.isFinite(row.advantage))).toBe(true);
		}
		const mixOut = join(dir, "mix.jsonl");
		const mixed = Effect.runSync(creditFile(input, mixOut, { method: "mix", mix: "0.5*grpo + 0.5*rloo" }));
		const grpo = readRows(join(dir, "grpo.jsonl"));
		const rloo = readRows(join(dir, "rloo.jsonl"));
		mixed.rows.forEach((row, i) => {
			close(row.advantage, 0.5 * (grpo[i]?.advantage ?? 0) + 0.5 * (rloo[i]?.advantage ?? 0));
		});
	});
});
