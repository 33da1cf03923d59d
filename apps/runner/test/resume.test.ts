import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { Effect } from "effect";
import { runCli } from "../src/main.ts";
import { readEventFile } from "../src/runs/tfevents.ts";

const root = join(import.meta.dir, "..");
const dir = mkdtempSync(join(tmpdir(), "stepwise-resume-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tiny = join(root, "configs", "tiny.yaml");
const common = ["--config", tiny, "--backend", "wasm"];
const overrides = [
	"train.iterations=3",
	"train.checkpointEvery=1",
	"train.evalEvery=3",
	"train.evalTasks=2",
	"train.sampleEvery=0",
	"rollout.groupSize=2",
];

type Row = Record<string, number>;
const metrics = (run: string): Row[] =>
	readFileSync(join(run, "metrics.jsonl"), "utf8")
		.trim()
		.split("\n")
		.map((l) => JSON.parse(l) as Row);
/**
 * The tiny SFT policy the tests train from (trained by the first test that needs it), or one trained
 * for `steps` steps instead of the tiny config's 10 (which never plays a valid move).
 */
const sftPolicy = async (steps?: number): Promise<string> => {
	const sftRun = join(dir, steps === undefined ? "sft" : `sft-${steps}`);
	const policy = join(sftRun, "sft");
	if (!existsSync(join(policy, "model.safetensors")))
		await Effect.runPromise(
			runCli(["sft", ...common, "--run-dir", sftRun, ...(steps === undefined ? [] : [`sft.steps=${steps}`])]),
		);
	return policy;
};

/** The CLI as a child process (`bun src/main.ts …`), for tests that signal it; stdout ignored unless piped. */
const spawnCli = (args: ReadonlyArray<string>, stdout: "ignore" | "pipe" = "ignore") =>
	Bun.spawn(["bun", join(root, "src", "main.ts"), ...args], { stdout, stderr: "ignore" });

/** Poll every `pollMs` until `ready()` holds, for at most 60 s. */
const waitUntil = async (ready: () => boolean, pollMs = 20): Promise<void> => {
	const t0 = Date.now();
	while (!ready() && Date.now() - t0 < 60_000) await Bun.sleep(pollMs);
};

/** SIGKILL a spawned command `delayMs` after `file` appears (polled every `pollMs`), and wait for it to exit. */
const killAfter = async (
	child: Pick<Subprocess, "kill" | "exited">,
	file: string,
	delayMs: number,
	pollMs = 20,
): Promise<void> => {
	await waitUntil(() => existsSync(file), pollMs);
	await Bun.sleep(delayMs);
	child.kill("SIGKILL");
	await child.exited;
};

/** Wait until a spawned command's run has logged metrics, SIGTERM it; how long it took to exit, and its code. */
const terminateAfterFirstMetrics = async (
	child: Pick<Subprocess, "kill" | "exited">,
	run: string,
): Promise<{ seconds: number; code: number }> => {
	const file = join(run, "metrics.jsonl");
	await waitUntil(() => existsSync(file) && readFileSync(file, "utf8").trim() !== "");
	child.kill("SIGTERM");
	const t1 = Date.now();
	const code = await child.exited;
	return { seconds: (Date.now() - t1) / 1000, code };
};

/** Everything but wall-clock figures (`time/…`, `perf/…`). */
const stable = (r: Row | undefined): Row =>
	Object.fromEntries(Object.entries(r ?? {}).filter(([k]) => !k.startsWith("time/") && !k.startsWith("perf/")));

describe("kill and resume", () => {
	test("a train run killed with SIGKILL mid-iteration and resumed ends with the same metrics", async () => {
		const policy = await sftPolicy();
		expect(existsSync(join(policy, "model.safetensors"))).toBe(true);

		const straight = join(dir, "straight");
		await Effect.runPromise(runCli(["train", ...common, "--policy", policy, "--run-dir", straight, ...overrides]));

		const killed = join(dir, "killed");
		const child = spawnCli(["train", ...common, "--policy", policy, "--run-dir", killed, ...overrides]);
		// wait for the first checkpoint, then kill during iteration 2
		await killAfter(child, join(killed, "checkpoints", "step_1"), 150);
		expect(existsSync(join(killed, "checkpoints", "step_1"))).toBe(true);
		expect(existsSync(join(killed, "checkpoints", "step_3"))).toBe(false);

		await Effect.runPromise(runCli(["train", ...common, "--resume", "--run-dir", killed, ...overrides]));
		const a = metrics(straight);
		const b = metrics(killed);
		expect(b.map((r) => r.iteration)).toEqual([1, 2, 3]);
		expect(b.map(stable)).toEqual(a.map(stable));
		expect(stable(b.at(-1))["eval/success"]).toBeDefined();
		// TensorBoard after the resume: one event file, each iteration once
		const events = readdirSync(killed).filter((f) => f.startsWith("events.out.tfevents."));
		expect(events).toHaveLength(1);
		const steps = readEventFile(join(killed, events[0] as string))
			.scalars.filter((e) => e.tag === "charts/success")
			.map((e) => e.step);
		expect(steps).toEqual([1, 2, 3]);
		for (const f of ["model.safetensors", "optimizer.safetensors", "reference/model.safetensors"])
			expect(readFileSync(join(killed, "checkpoints", "step_3", f))).toEqual(
				readFileSync(join(straight, "checkpoints", "step_3", f)),
			);
	}, 120_000);

	test("SIGTERM stops a train run after its current iteration with a checkpoint there; --resume ends with the same metrics", async () => {
		const policy = await sftPolicy();
		const straight = join(dir, "straight-term");
		await Effect.runPromise(runCli(["train", ...common, "--policy", policy, "--run-dir", straight, ...overrides]));

		const stopped = join(dir, "terminated");
		// many iterations and no scheduled checkpoint: only the signal's checkpoint can exist
		const child = spawnCli([
			"train",
			...common,
			"--policy",
			policy,
			"--run-dir",
			stopped,
			...overrides,
			"train.iterations=200",
			"train.checkpointEvery=1000",
		]);
		const { seconds } = await terminateAfterFirstMetrics(child, stopped);
		expect(seconds).toBeLessThan(30);
		const done = metrics(stopped).map((r) => r.iteration);
		expect(done.length).toBeGreaterThan(0);
		expect(done.length).toBeLessThan(200);
		const k = done.length;
		expect(readdirSync(join(stopped, "checkpoints")).filter((f) => f.startsWith("step_"))).toEqual([`step_${k}`]);

		await Effect.runPromise(runCli(["train", ...common, "--resume", "--run-dir", stopped, ...overrides]));
		expect(metrics(stopped).slice(0, 3).map(stable)).toEqual(metrics(straight).map(stable));
	}, 120_000);

	for (const [label, selection, checked, sftSteps] of [
		["hard-task screening and greedy members", ["rollout.screen=6", "rollout.greedyMembers=1"], "screen/candidates"],
		// a policy that plays valid moves, on levels of one or two moves: some groups are mixed
		["dynamic sampling", ["rollout.filterRounds=3", "env.options.maxSolutionLength=2"], "filter/groups_kept", 200],
	] as const)
		test(`rollout workers do not change a run (${label} included): 0 and 2 workers give the same metrics and weights`, async () => {
			const policy = await sftPolicy(sftSteps);
			const runs = [0, 2].map((w) => join(dir, `workers-${checked.split("/")[0]}-${w}`));
			for (const [i, run] of runs.entries())
				await Effect.runPromise(
					runCli([
						"train",
						...common,
						"--policy",
						policy,
						"--run-dir",
						run,
						...overrides,
						...selection,
						`rollout.workers=${i * 2}`,
					]),
				);
			const [none, two] = runs.map((r) => metrics(r).map(stable));
			expect(two).toEqual(none as Row[]);
			expect(none?.some((m) => (m[checked] as number) > 0)).toBe(true);
			const [a, b] = runs.map((r) =>
				readFileSync(join(r, "checkpoints", "step_3", "model.safetensors")).toString("hex"),
			);
			expect(b).toBe(a as string);
		}, 120_000);

	test("SIGTERM stops SFT within a step: exit 130, SFT in progress saved to sft.partial, and no finished sft/", async () => {
		const run = join(dir, "sft-terminated");
		const child = spawnCli(
			[
				"sft",
				...common,
				"--run-dir",
				run,
				// far more steps than the test waits for, and no early stop
				"sft.steps=1000000",
				"sft.evalEvery=2",
				"sft.patience=1000000",
			],
			"pipe",
		);
		const { seconds, code } = await terminateAfterFirstMetrics(child, run);
		expect(seconds).toBeLessThan(15);
		expect(code).toBe(130);
		const out = await new Response(child.stdout).text();
		const step = Number(/sft: interrupted at step (\d+)/.exec(out)?.[1]);
		expect(step).toBeGreaterThan(0);
		const state = JSON.parse(readFileSync(join(run, "sft.partial", "state.json"), "utf8")) as { steps: number };
		expect(state.steps).toBe(step);
		expect(existsSync(join(run, "sft", "model.safetensors"))).toBe(false);
		expect(existsSync(join(run, "sft", "sft.json"))).toBe(false);
	}, 90_000);

	test("SFT killed with SIGKILL and resumed ends with the same weights and loss curve as an uninterrupted SFT (also from sft.partial.old, a kill between its renames)", async () => {
		const args = [...common, "sft.steps=300", "sft.evalEvery=10", "sft.patience=1000000"];
		const straight = join(dir, "sft-straight");
		await Effect.runPromise(runCli(["sft", ...args, "--run-dir", straight]));
		const weights = (r: string) => readFileSync(join(r, "sft", "model.safetensors")).toString("hex");
		const curve = (r: string) => metrics(r).map((m) => [m.iteration, m["sft/train_loss"], m["sft/val_loss"]] as const);
		expect(curve(straight)).toHaveLength(30);
		for (const betweenRenames of [false, true]) {
			const killed = join(dir, `sft-killed-${betweenRenames}`);
			const child = spawnCli(["sft", ...args, "--run-dir", killed]);
			await killAfter(child, join(killed, "sft.partial", "state.json"), 30, 10);
			expect(existsSync(join(killed, "sft", "model.safetensors"))).toBe(false);
			const partial = join(killed, "sft.partial");
			const savedAt = (JSON.parse(readFileSync(join(partial, "state.json"), "utf8")) as { steps: number }).steps;
			expect(savedAt).toBeLessThan(300);
			if (betweenRenames) renameSync(partial, `${partial}.old`);

			await Effect.runPromise(runCli(["sft", ...args, "--resume", "--run-dir", killed]));
			expect(existsSync(partial) || existsSync(`${partial}.old`)).toBe(false);
			const summary = JSON.parse(readFileSync(join(killed, "sft", "sft.json"), "utf8")) as { resumedFrom?: number };
			expect(summary.resumedFrom).toBe(savedAt);
			expect(weights(killed)).toBe(weights(straight));
			expect(curve(killed)).toEqual(curve(straight));
		}
	}, 120_000);

	test("train.minutes stops after the iteration that spends the budget, checkpointed; --resume with the budget spent trains nothing, with a larger one finishes the run", async () => {
		const policy = await sftPolicy();
		const run = join(dir, "budget");
		const args = [...common, "--run-dir", run, ...overrides, "train.evalEvery=0"];
		await Effect.runPromise(runCli(["train", ...args, "--policy", policy, "train.minutes=0.00001"]));
		expect(metrics(run).map((r) => r.iteration)).toEqual([1]);
		expect(existsSync(join(run, "checkpoints", "step_1", "model.safetensors"))).toBe(true);
		await Effect.runPromise(runCli(["train", ...args, "--resume", "train.minutes=0.00001"]));
		expect(metrics(run).map((r) => r.iteration)).toEqual([1]);
		await Effect.runPromise(runCli(["train", ...args, "--resume", "train.minutes=0"]));
		expect(metrics(run).map((r) => r.iteration)).toEqual([1, 2, 3]);
		expect(existsSync(join(run, "plots", "success.svg"))).toBe(true);
		expect(existsSync(join(run, "plots", "success.png"))).toBe(true);
		// TensorBoard: every events file of the run parses (framing + CRCs) and carries the scalars
		const events = readdirSync(run).filter((f) => f.startsWith("events.out.tfevents."));
		expect(events.length).toBeGreaterThan(0);
		const scalars = events.flatMap((f) => readEventFile(join(run, f)).scalars);
		expect(
			scalars
				.filter((e) => e.tag === "charts/success")
				.map((e) => e.step)
				.sort(),
		).toEqual([1, 2, 3]);
	}, 60_000);
});
