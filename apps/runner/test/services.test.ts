import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Layer } from "effect";
import { runCli } from "../src/main.ts";
import { lockPath } from "../src/runs/lock.ts";
import { RunDir } from "../src/runs/run-dir.ts";
import { collectLog, computeFixed, RunDirectories, unlockedRunDirectories } from "../src/services.ts";

const dir = mkdtempSync(join(tmpdir(), "stepwise-services-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tiny = join(import.meta.dir, "..", "configs", "tiny.yaml");

describe("the runner's services and their test layers", () => {
	test("a command's lines go to the StageLog, its backend comes from Compute, its directory from RunDirectories", async () => {
		const log = collectLog();
		const run = join(dir, "eval");
		let opened = "";
		// a test layer in place of the live one: records the path and makes the directory without a lock
		const spy = Layer.succeed(RunDirectories, {
			open: (path) => {
				opened = path;
				return Effect.sync(() => new RunDir(path));
			},
		});
		await Effect.runPromise(
			runCli(["eval", "--config", tiny, "--backend", "wasm", "--run-dir", run, "--policy", "expert"]).pipe(
				Effect.provide(Layer.mergeAll(log.layer, computeFixed("cpu"), spy)),
			),
		);
		expect(log.lines).toContain(`run directory: ${run}`);
		expect(opened).toBe(run);
		expect(existsSync(join(run, "eval.json"))).toBe(true);
		expect(existsSync(lockPath(run))).toBe(false);
		// with the unlocked layer a command runs without taking the lock
		const other = join(dir, "eval-unlocked");
		await Effect.runPromise(
			runCli(["eval", "--config", tiny, "--run-dir", other, "--policy", "expert"]).pipe(
				Effect.provide(Layer.mergeAll(collectLog().layer, computeFixed("cpu"), unlockedRunDirectories)),
			),
		);
		expect(existsSync(join(other, "eval.json"))).toBe(true);
	});
});
