/**
 * Kill and resume around the run directory's lock: a second command on a directory in use is
 * refused; a lock left by a killed process is taken over; SIGTERM exits with 130 and releases the
 * lock, also while the expert's demonstrations are collected or a scripted evaluation plays (within
 * a second); resuming SFT with a key its partial state depends on changed is refused.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit } from "effect";
import { ExitCode, reportCause } from "../src/errors.ts";
import { runCli } from "../src/main.ts";
import { lockPath } from "../src/runs/lock.ts";

const root = join(import.meta.dir, "..");
const tiny = join(root, "configs", "tiny.yaml");
const dir = mkdtempSync(join(tmpdir(), "stepwise-kill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const common = ["--config", tiny, "--backend", "wasm"];

const spawnCli = (args: ReadonlyArray<string>) =>
	Bun.spawn(["bun", join(root, "src", "main.ts"), ...args], { stdout: "pipe", stderr: "pipe" });

/** Poll until `ready()` holds (at most 60 s). */
const waitUntil = async (ready: () => boolean): Promise<void> => {
	const t0 = Date.now();
	while (!ready() && Date.now() - t0 < 60_000) await Bun.sleep(20);
};

/** Run the CLI in this process, capturing its printed lines: the exit code and lines as `main` reports them. */
const cli = async (args: ReadonlyArray<string>): Promise<{ code: number; line: string; printed: string[] }> => {
	const printed: string[] = [];
	const log = console.log;
	console.log = (...parts: unknown[]) => {
		printed.push(parts.map(String).join(" "));
	};
	try {
		const exit = await Effect.runPromiseExit(runCli(args));
		if (Exit.isSuccess(exit)) return { code: 0, line: "", printed };
		const report = reportCause(exit.cause, false);
		return { code: report.code, line: report.lines.join("\n"), printed };
	} finally {
		console.log = log;
	}
};

describe("the run directory's lock", () => {
	test("a second command is refused while SFT runs; after a SIGKILL the stale lock is taken over; a changed sft.lr cannot resume", async () => {
		const run = join(dir, "sft");
		const child = spawnCli(["sft", ...common, "--run-dir", run, "sft.steps=100000", "sft.evalEvery=5"]);
		await waitUntil(() => existsSync(join(run, "sft.partial")));
		expect(existsSync(lockPath(run))).toBe(true);
		expect(JSON.parse(readFileSync(lockPath(run), "utf8")).pid).toBe(child.pid);

		const busy = await cli(["sft", ...common, "--run-dir", run, "sft.steps=100000", "sft.evalEvery=5"]);
		expect(busy.code).toBe(ExitCode.input);
		expect(busy.line).toContain("RunLockedError");
		expect(busy.line).toContain(`process ${child.pid}`);

		child.kill("SIGKILL");
		await child.exited;
		expect(existsSync(lockPath(run))).toBe(true);

		// the partial state was made at sft.lr 1e-3: a new lr cannot continue it
		const changed = await cli([
			"sft",
			...common,
			"--run-dir",
			run,
			"sft.steps=100000",
			"sft.evalEvery=5",
			"sft.lr=0.01",
		]);
		expect(changed.code).toBe(ExitCode.input);
		expect(changed.line).toContain("config key sft.lr");
		expect(changed.line).toContain("SFT in progress");

		// a budget may change: the resumed SFT stops at 12 steps
		const resumed = await cli(["sft", ...common, "--run-dir", run, "sft.steps=12", "sft.evalEvery=5"]);
		expect(resumed.code).toBe(0);
		expect(resumed.printed.join("\n")).toContain("resuming from");
		expect(existsSync(join(run, "sft", "model.safetensors"))).toBe(true);
		expect(existsSync(lockPath(run))).toBe(false);
	}, 120_000);

	test.each([
		["the collection of 400,000 expert demonstrations", ["sft", "sft.episodes=400000"]],
		["a scripted evaluation of 2 × 100,000 tasks", ["eval", "--policy", "expert", "eval.tasks=100000"]],
	] as const)(
		"SIGTERM during %s exits with 130 within a second and releases the lock",
		async (what, [command, ...args]) => {
			const run = join(dir, `terminated-${command}`);
			const child = spawnCli([command, ...common, "--run-dir", run, ...args]);
			let out = "";
			const reader = (async () => {
				for await (const chunk of child.stdout) out += new TextDecoder().decode(chunk);
			})();
			await waitUntil(() => out.includes("run directory:"));
			await Bun.sleep(300);
			expect(existsSync(lockPath(run))).toBe(true);
			child.kill("SIGTERM");
			const t0 = Date.now();
			const code = await child.exited;
			const seconds = (Date.now() - t0) / 1000;
			await reader;
			console.log(`${command} stopped ${seconds.toFixed(2)} s after SIGTERM during ${what}`);
			expect(code).toBe(ExitCode.interrupted);
			expect(seconds).toBeLessThan(1);
			expect(existsSync(lockPath(run))).toBe(false);
		},
		60_000,
	);
});
