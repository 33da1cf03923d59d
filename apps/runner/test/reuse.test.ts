import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit } from "effect";
import { parse } from "yaml";
import { runCli } from "../src/main.ts";
import { configChanges } from "../src/stages/reuse.ts";

const root = join(import.meta.dir, "..");
const dir = mkdtempSync(join(tmpdir(), "stepwise-reuse-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const common = ["--config", join(root, "configs", "tiny.yaml"), "--backend", "wasm"];
// tiny.yaml says sft.steps=10; the run below trains 6, so every later command repeats that
const rl = ["sft.steps=6", "train.iterations=2", "train.checkpointEvery=1", "train.evalEvery=0", "train.sampleEvery=0"];

const savedConfig = (run: string) =>
	parse(readFileSync(join(run, "config.yaml"), "utf8")) as { sft: { steps: number }; train: { iterations: number } };
const metricKeys = (run: string) =>
	readFileSync(join(run, "metrics.jsonl"), "utf8")
		.trim()
		.split("\n")
		.map((l) => JSON.parse(l) as Record<string, number>);
/** The typed error a command failed with. */
const failure = async (args: ReadonlyArray<string>) => {
	const exit = await Effect.runPromiseExit(runCli(args));
	if (!Exit.isFailure(exit)) throw new Error(`${args.join(" ")} succeeded`);
	return exit.cause.reasons.find((r) => r._tag === "Fail")?.error as { _tag: string; key: string; message: string };
};

describe("a run directory keeps one config across commands", () => {
	test("configChanges lists the changed leaves by dotted key", () => {
		expect(
			configChanges(
				{ a: 1, b: { c: [1, 2], d: "x" }, e: { f: 1 } },
				{ a: 1, b: { c: [1, 3], d: "x" }, e: { f: 1, g: true } },
			),
		).toEqual([
			{ key: "b.c", before: [1, 2], after: [1, 3] },
			{ key: "e.g", before: undefined, after: true },
		]);
	});

	test("sft then train in one --run-dir: the SFT settings stay in config.yaml, the loss curve in metrics.jsonl; changes to done stages and another --policy are refused", async () => {
		const run = join(dir, "shared");
		const policy = join(run, "sft");
		await Effect.runPromise(runCli(["sft", ...common, "--run-dir", run, "sft.steps=6"]));
		await Effect.runPromise(runCli(["train", ...common, "--run-dir", run, "--policy", policy, ...rl]));
		expect(savedConfig(run).sft.steps).toBe(6);
		const rows = metricKeys(run);
		expect(rows.filter((r) => "sft/val_loss" in r).map((r) => r.iteration)).toEqual([5, 6]);
		expect(rows.filter((r) => "charts/success" in r).map((r) => r.iteration)).toEqual([1, 2]);

		// SFT is done with 6 steps: tiny.yaml's 10 (the --config file is applied over config.yaml) cannot apply
		const sft = await failure(["train", ...common, "--run-dir", run, "--resume", "train.iterations=3"]);
		expect([sft._tag, sft.key]).toEqual(["ConfigError", "sft.steps"]);
		expect(sft.message).toContain(policy);
		// RL has checkpoints: its learning rate is fixed, and so is the policy it started from
		const lr = await failure(["train", ...common, "--run-dir", run, ...rl, "train.lr=3e-4"]);
		expect([lr._tag, lr.key]).toEqual(["ConfigError", "train.lr"]);
		const other = await failure(["train", ...common, "--run-dir", run, "--policy", join(dir, "elsewhere"), ...rl]);
		expect([other._tag, other.key]).toEqual(["ConfigError", "--policy"]);
		expect(savedConfig(run).sft.steps).toBe(6);

		// a budget can grow: the resumed run adds iteration 3 after the two it has, SFT's rows kept
		await Effect.runPromise(runCli(["train", ...common, "--run-dir", run, "--resume", ...rl, "train.iterations=3"]));
		expect(savedConfig(run).train.iterations).toBe(3);
		const after = metricKeys(run);
		expect(after.filter((r) => "charts/success" in r).map((r) => r.iteration)).toEqual([1, 2, 3]);
		expect(after.filter((r) => "sft/val_loss" in r)).toHaveLength(2);
	}, 90_000);
});
