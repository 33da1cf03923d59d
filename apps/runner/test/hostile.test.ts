/**
 * Hostile input: every bad config key, trajectories file, checkpoint or output path ends in one
 * typed error (no defect, so no stack trace) naming what is wrong, with a non-zero exit code; none
 * ends in a success. Most cases run the CLI in this process (`runCli`) and map the failure as `main`
 * does ({@link reportCause}); a few spawn `bun src/main.ts` to check stderr and the exit code.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem";
import { formatTrajectories, fsErrorText, hashSeed, Rng, type Trajectory } from "@stepwise/core";
import { Cause, Effect, Exit, FileSystem, Layer, PlatformError } from "effect";
import { Command } from "effect/cli";
import { resolveConfig } from "../src/config/decode.ts";
import { defaultConfig, RunConfig } from "../src/config/schema.ts";
import { ExitCode, reportCause } from "../src/errors.ts";
import { MainLive, runCli, stepwise } from "../src/main.ts";
import { makeTrajectory } from "./helpers.ts";

const root = join(import.meta.dir, "..");
const tiny = join(root, "configs", "tiny.yaml");
const dir = mkdtempSync(join(tmpdir(), "stepwise-hostile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const common = ["--config", tiny, "--backend", "wasm"];
let n = 0;
const fresh = (): string => join(dir, `run-${n++}`);

/** Run the CLI in this process: its exit code and error line as `main` reports them (0 and "" on success). */
const cli = async (args: ReadonlyArray<string>): Promise<{ code: number; line: string; defect: boolean }> => {
	const exit = await Effect.runPromiseExit(runCli(args));
	if (Exit.isSuccess(exit)) return { code: 0, line: "", defect: false };
	const report = reportCause(exit.cause, false);
	return {
		code: report.code,
		line: report.lines.join("\n"),
		defect: exit.cause.reasons.some((r) => r._tag === "Die") && !Cause.hasFails(exit.cause),
	};
};

/** Expect a typed failure with this exit code whose line names every one of `named`. */
const refused = async (args: ReadonlyArray<string>, code: number, ...named: string[]): Promise<string> => {
	const r = await cli(args);
	expect(r.defect).toBe(false);
	expect(r.code).toBe(code);
	for (const s of named) expect(r.line).toContain(s);
	return r.line;
};

const trajectories = (seed: string, groups = 4): Trajectory[] => {
	const rng = new Rng(hashSeed(seed));
	const out: Trajectory[] = [];
	for (let g = 0; g < groups; g++)
		for (let k = 0; k < 4; k++) {
			const won = rng.chance(0.5);
			const steps = Array.from({ length: 3 }, (_, t) => [`s${rng.int(4)}`, t === 2 && won ? 10 : 0] as const);
			out.push(
				makeTrajectory(`g${g}`, { id: `g${g}/${k}`, steps, end: won ? "terminated" : "truncated", final: "end" }),
			);
		}
	return out;
};

let policy = "";
let nanPolicy = "";
const good = join(dir, "good.jsonl");
const empty = join(dir, "empty.jsonl");
const oov = join(dir, "oov.jsonl");
beforeAll(async () => {
	const sftRun = join(dir, "sft");
	await Effect.runPromise(runCli(["sft", ...common, "--run-dir", sftRun]));
	policy = join(sftRun, "sft");
	// the same checkpoint with every weight NaN (float32 0x7fc00000 after the safetensors header)
	nanPolicy = join(dir, "nan-policy");
	cpSync(policy, nanPolicy, { recursive: true });
	const file = join(nanPolicy, "model.safetensors");
	const bytes = readFileSync(file);
	const start = 8 + Number(bytes.readBigUInt64LE(0));
	for (let i = start; i + 4 <= bytes.length; i += 4) bytes.writeUInt32LE(0x7fc00000, i);
	writeFileSync(file, bytes);
	writeFileSync(good, formatTrajectories(trajectories("good")));
	writeFileSync(empty, "");
	const bad = trajectories("oov");
	const t = bad[2] as Trajectory;
	bad[2] = { ...t, steps: t.steps.map((s, i) => (i === 1 ? { ...s, actionIds: [10, 99_999] } : s)) };
	writeFileSync(oov, formatTrajectories(bad));
}, 60_000);

describe("hostile config keys", () => {
	/** `[command, override, …words the error line names]`: each refused with exit 2 before any work. */
	const refusedUpFront: ReadonlyArray<readonly [string, string, ...string[]]> = [
		// model shapes that cannot train, and sizes whose memory estimate is too large
		["sft", "model.nHeads=3", "model.nHeads"],
		["sft", "model.contextLength=1", "model.contextLength"],
		["sft", "model.dModel=1000000", "model.dModel", "GiB"],
		["sft", "model.dFF=100000000", "model.dFF", "GiB"],
		["sft", "sft.batchSize=100000000", "sft.batchSize"],
		// task counts that would fill the machine
		["eval", "eval.tasks=100000000", "eval.tasks"],
		["sft", "sft.validationEpisodes=1000000", "sft.validationEpisodes"],
		["train", "train.evalTasks=1000000", "train.evalTasks"],
		["eval", "rollout.workers=100000", "rollout.workers", "cores"],
	];
	test.each(refusedUpFront)(
		"%s %s is a config error naming the key, before anything is allocated",
		async (command, override, ...named) => {
			const policyFlag = command === "train" ? ["--policy", policy] : [];
			await refused([command, ...common, "--run-dir", fresh(), ...policyFlag, override], ExitCode.input, ...named);
		},
	);

	test("sft.lr=1e300 stops SFT with an error and saves no NaN checkpoint", async () => {
		const run = fresh();
		await refused(["sft", ...common, "--run-dir", run, "sft.lr=1e300"], ExitCode.failure, "NonFiniteError", "sft.lr");
		expect(existsSync(join(run, "sft", "model.safetensors"))).toBe(false);
	});

	test("RL stops once more optimizer steps than train.maxSkippedSteps were skipped for a non-finite loss", async () => {
		const run = fresh();
		await refused(
			["train", ...common, "--run-dir", run, "--policy", policy, "train.lr=1e300", "train.maxSkippedSteps=0"],
			ExitCode.failure,
			"NonFiniteError",
			"train.maxSkippedSteps",
		);
		expect(existsSync(join(run, "checkpoints"))).toBe(false);
	}, 60_000);

	test("a seeded fuzz of hostile values: a typed error naming the key for every value the schema rejects, never a defect", async () => {
		const keys = [
			"seed",
			"model.dModel",
			"model.nHeads",
			"model.contextLength",
			"sft.lr",
			"sft.batchSize",
			"rollout.groupSize",
			"rollout.maxNewTokens",
			"rollout.temperature",
			"train.lr",
			"train.evalTasks",
			"eval.tasks",
			"eval.seeds",
			"env.spec",
			"env.trainSplit",
			"method.name",
		];
		const values = ["-1", "0", "1.5", "abc", "[]", "{a: 1}", ".nan", "1e400", "-1e400", "''", "null", "1e12"];
		const rng = new Rng(hashSeed("hostile-fuzz"));
		let rejected = 0;
		for (let i = 0; i < 24; i++) {
			const override = `${rng.pick(keys)}=${rng.pick(values)}`;
			const key = override.slice(0, override.indexOf("="));
			const decoded = Effect.runSyncExit(
				resolveConfig(RunConfig, { base: defaultConfig, file: tiny, overrides: [override] }),
			);
			if (Exit.isSuccess(decoded)) continue; // a legal value: not hostile input
			rejected++;
			const r = await cli(["eval", ...common, "--run-dir", fresh(), "--policy", "expert", override]);
			expect({ override, defect: r.defect, code: r.code }).toEqual({ override, defect: false, code: ExitCode.input });
			expect(r.line).toContain(key);
		}
		expect(rejected).toBeGreaterThan(10);
	}, 60_000);
});

describe("hostile inputs", () => {
	test("empty or out-of-vocabulary trajectories are refused by progress train, annotate and offline train, naming the file and field", async () => {
		await refused(
			["progress", "train", ...common, "--run-dir", fresh(), "--policy", policy, "--trajectories", empty],
			ExitCode.input,
			empty,
			"no trajectories",
		);
		await refused(
			["progress", "train", ...common, "--run-dir", fresh(), "--policy", policy, "--trajectories", oov],
			ExitCode.input,
			oov,
			"episode 3",
			"steps[1].actionIds[1] = 99999",
		);
		await refused(
			["progress", "annotate", ...common, "--estimator", policy, "-i", oov, "-o", join(dir, "annotated.jsonl")],
			ExitCode.input,
			"steps[1].actionIds[1]",
		);
		for (const file of [empty, oov])
			await refused(
				[
					"train",
					...common,
					"--run-dir",
					fresh(),
					"--policy",
					policy,
					"--trajectories",
					file,
					"train.data=exploration",
				],
				ExitCode.input,
				file,
			);
	}, 60_000);

	test("a checkpoint whose weights are NaN is refused by eval and train, naming the tensor", async () => {
		await refused(
			["eval", ...common, "--run-dir", fresh(), "--policy", nanPolicy],
			ExitCode.input,
			nanPolicy,
			"not finite",
		);
		await refused(["train", ...common, "--run-dir", fresh(), "--policy", nanPolicy], ExitCode.input, "not finite");
	});

	test("credit refuses a reward that overflows the advantages and writes nothing", async () => {
		const t = trajectories("huge");
		const first = t[0] as Trajectory;
		t[0] = { ...first, steps: first.steps.map((s, i) => (i === 0 ? { ...s, reward: 1e308 } : s)) };
		const input = join(dir, "huge.jsonl");
		writeFileSync(input, formatTrajectories(t));
		const output = join(dir, "huge.credit.jsonl");
		await refused(["credit", "--method", "grpo", "-i", input, "-o", output], ExitCode.input, "not finite");
		expect(existsSync(output)).toBe(false);
	});

	test("an output that cannot be written is an OutputError about the output, not about a temp file", async () => {
		const asDir = join(dir, "out-dir.jsonl");
		mkdirSync(asDir);
		const line = await refused(
			["credit", "--method", "grpo", "-i", good, "-o", asDir],
			ExitCode.failure,
			`cannot write ${asDir}`,
			"EISDIR",
		);
		expect(line).not.toContain(".tmp");
		const underFile = join(good, "x.jsonl");
		await refused(
			["credit", "--method", "grpo", "-i", good, "-o", underFile],
			ExitCode.failure,
			`cannot write ${underFile}`,
		);
		await refused(
			["eval", ...common, "--run-dir", join(good, "run"), "--policy", "expert"],
			ExitCode.failure,
			"OutputError",
		);
		expect(
			fsErrorText(Object.assign(new Error("EROFS: read-only file system, open '/x/.y.tmp'"), { code: "EROFS" })),
		).toBe("read-only file system (EROFS)");
		expect(fsErrorText(Object.assign(new Error("ENOSPC: …"), { code: "ENOSPC" }))).toBe(
			"no space left on the device (ENOSPC)",
		);
	});

	test("a full disk or a read-only file system (a FileSystem test layer) is an OutputError about the output", async () => {
		const real = Effect.runSync(
			Effect.provide(
				Effect.gen(function* () {
					return yield* FileSystem.FileSystem;
				}),
				NodeFileSystem.layer,
			),
		);
		for (const [code, reason] of [
			["ENOSPC", "no space left on the device (ENOSPC)"],
			["EROFS", "read-only file system (EROFS)"],
		] as const) {
			const failing = Layer.succeed(FileSystem.FileSystem, {
				...real,
				writeFileString: (path) =>
					Effect.fail(
						PlatformError.systemError({
							_tag: "Unknown",
							module: "FileSystem",
							method: "writeFileString",
							pathOrDescriptor: path,
							cause: Object.assign(new Error(`${code}: open '${path}'`), { code }),
						}),
					),
			});
			const run = fresh();
			const exit = await Effect.runPromiseExit(
				Command.runWith(stepwise, { version: "test" })([
					"eval",
					...common,
					"--run-dir",
					run,
					"--policy",
					"expert",
				]).pipe(Effect.provide(failing), Effect.provide(MainLive)),
			);
			expect(Exit.isFailure(exit)).toBe(true);
			if (Exit.isFailure(exit)) {
				const report = reportCause(exit.cause, false);
				expect(report.code).toBe(ExitCode.failure);
				expect(report.lines[0]).toBe(`error: OutputError: cannot write ${join(run, "config.yaml")}: ${reason}`);
			}
		}
	});

	test("the process prints one line, no stack trace, and exits 2 for an input error and 1 for a runtime failure", async () => {
		const run = async (args: ReadonlyArray<string>) => {
			const p = Bun.spawn(["bun", join(root, "src", "main.ts"), ...args], { stdout: "ignore", stderr: "pipe" });
			const [code, stderr] = await Promise.all([p.exited, new Response(p.stderr).text()]);
			return { code, stderr };
		};
		const input = await run(["credit", "--method", "grpo", "-i", empty]);
		expect(input.code).toBe(ExitCode.input);
		expect(input.stderr.trim().split("\n")).toHaveLength(1);
		expect(input.stderr).not.toMatch(/^\s+at /m);
		const asDir = join(dir, "out-dir-2.jsonl");
		mkdirSync(asDir);
		const runtime = await run(["credit", "--method", "grpo", "-i", good, "-o", asDir]);
		expect(runtime.code).toBe(ExitCode.failure);
		expect(runtime.stderr.trim().split("\n")).toHaveLength(1);
		expect(runtime.stderr).not.toMatch(/^\s+at /m);
		const flag = await run(["credit", "--nope"]);
		expect(flag.code).toBe(ExitCode.input);
	}, 30_000);
});
