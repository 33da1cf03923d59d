import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readTrajectories } from "@stepwise/core";
import { Effect } from "effect";
import type { CreditRow } from "../src/credit/compute.ts";
import { runCli } from "../src/main.ts";
import type { RlSources } from "../src/stages/rl.ts";

const root = join(import.meta.dir, "..");
const dir = mkdtempSync(join(tmpdir(), "stepwise-spa-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const common = ["--config", join(root, "configs", "tiny.yaml"), "--backend", "wasm"];
const cli = (args: string[]) => Effect.runPromise(runCli(args));

describe("SPA's steps one command at a time", () => {
	test("sft → explore → progress train → progress annotate → credit --method spa", async () => {
		const run = join(dir, "run");
		await cli(["sft", ...common, "--run-dir", run]);
		expect(existsSync(join(run, "config.yaml"))).toBe(true);
		expect(readFileSync(join(run, "metrics.jsonl"), "utf8")).toContain("sft/val_loss");
		expect(existsSync(join(run, "plots", "sft_loss.png"))).toBe(true);

		const explored = join(run, "explore.jsonl");
		await cli(["explore", ...common, "--run-dir", run, "--policy", join(run, "sft"), "--output", explored]);
		const trajectories = Effect.runSync(readTrajectories(explored));
		// tiny.yaml: 4 tasks × 2 samples, grouped per task
		expect(trajectories).toHaveLength(8);
		expect(new Set(trajectories.map((t) => t.groupId)).size).toBe(4);
		expect(trajectories.every((t) => t.steps.every((s) => s.progress === undefined))).toBe(true);

		const estimator = join(run, "progress");
		await cli([
			"progress",
			"train",
			...common,
			"--run-dir",
			run,
			"--policy",
			join(run, "sft"),
			"--trajectories",
			explored,
		]);
		expect(existsSync(join(estimator, "model.safetensors"))).toBe(true);
		const validation = JSON.parse(readFileSync(join(estimator, "validation.json"), "utf8")) as { trajectories: number };
		expect(validation.trajectories).toBeGreaterThan(0);

		const annotated = join(run, "annotated.jsonl");
		await cli(["progress", "annotate", ...common, "--estimator", estimator, "-i", explored, "-o", annotated]);
		const back = Effect.runSync(readTrajectories(annotated));
		expect(back.map((t) => t.id)).toEqual(trajectories.map((t) => t.id));
		expect(back.every((t) => t.steps.every((s) => Number.isFinite(s.progress)))).toBe(true);

		const credit = join(run, "spa.jsonl");
		await cli(["credit", "--method", "spa", "-i", annotated, "-o", credit]);
		const rows = readFileSync(credit, "utf8")
			.trim()
			.split("\n")
			.map((l) => JSON.parse(l) as CreditRow);
		expect(rows).toHaveLength(back.reduce((s, t) => s + t.steps.length, 0));
		// SPA's step reward: progress − 0.5 unless grounded (valid; the last step always grounded)
		const first = back[0]?.steps[0];
		const expected = (first?.progress ?? 0) - (first?.valid || back[0]?.steps.length === 1 ? 0 : 0.5);
		expect(Math.abs((rows[0]?.stepReward ?? Number.NaN) - expected)).toBeLessThan(1e-6);

		// SPA as released: PPO offline on the annotated exploration, no rollouts
		const rl = join(dir, "offline");
		const train = ["train", ...common, "--method", "spa", "--policy", join(run, "sft"), "--progress", estimator];
		const offline = ["train.data=exploration", "train.iterations=3", "train.sampleEvery=1", "train.evalEvery=0"];
		await cli([...train, "--run-dir", rl, "--trajectories", annotated, ...offline]);
		const ids = new Set(back.map((t) => t.id));
		for (const i of [1, 2, 3]) {
			const batch = Effect.runSync(readTrajectories(join(rl, "trajectories", `iter_${i}.jsonl`)));
			// tiny.yaml: rollout.groups 2, of the exploration's groups of 2
			expect(batch).toHaveLength(4);
			expect(batch.every((t) => ids.has(t.id))).toBe(true);
		}
		const sources = JSON.parse(readFileSync(join(rl, "rl-sources.json"), "utf8")) as { trajectories?: string };
		expect(sources.trajectories).toBe(annotated);
		await expect(cli([...train, "--run-dir", join(dir, "no-data"), ...offline])).rejects.toThrow(/--trajectories FILE/);
		await expect(cli([...train, "--run-dir", join(dir, "unused"), "--trajectories", annotated])).rejects.toThrow(
			/train\.data=exploration/,
		);
	}, 60_000);

	/** A pipeline run with these overrides: checks its final table and returns its `rl-sources.json`. */
	const pipeline = async (name: string, overrides: ReadonlyArray<string>) => {
		const run = join(dir, name);
		await cli(["pipeline", ...common, "--run-dir", run, ...overrides]);
		expect(readFileSync(join(run, "results.md"), "utf8")).toContain("| RL ");
		return { run, sources: JSON.parse(readFileSync(join(run, "rl-sources.json"), "utf8")) as RlSources };
	};

	test("the pipeline with train.data=exploration explores, then trains offline on the annotated exploration", async () => {
		const { run, sources } = await pipeline("pipeline", [
			"method.name=spa",
			"train.data=exploration",
			"train.iterations=2",
		]);
		expect(sources.trajectories).toBe(join(run, "trajectories", "explore.annotated.jsonl"));
	}, 60_000);

	test("the pipeline trains an estimator for PPO on SPA's rewards (method.config.rewards=spa) too", async () => {
		const { run, sources } = await pipeline("ppo-spa", [
			"method.name=ppo",
			"method.config.rewards=spa",
			"train.iterations=1",
		]);
		expect(sources.progress).toBe(join(run, "progress"));
	}, 60_000);
});
