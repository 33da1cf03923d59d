import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { Effect } from "effect";
import { initBackend } from "../../src/backend/index.ts";
import type { ManagedEnv } from "../../src/env/time-limit.ts";
import {
	collectDemonstrations,
	collectRollouts,
	encodeDemonstrationsWith,
	type Policy,
	trainSft,
} from "../../src/policy/index.ts";
import {
	type IterationRecord,
	isMixed,
	loadTrainerCheckpoint,
	saveTrainerCheckpoint,
	Trainer,
	type TrainerOptions,
} from "../../src/train/index.ts";
import { groupTrajectories } from "../../src/trajectory/schema.ts";
import { hashSeed } from "../../src/util/rng.ts";
import { adam, envs, grpoCredit, tasks, tinyPolicy, weightGap, weights } from "./helpers.ts";

beforeAll(() => initBackend("wasm"));
const dir = mkdtempSync(join(tmpdir(), "stepwise-train-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options = (policy: Policy, optimizer: tf.Optimizer, extra: Partial<TrainerOptions> = {}): TrainerOptions => ({
	policy,
	optimizer,
	envs: envs(4),
	algorithm: { kind: "group", config: { miniBatchSize: 16 } },
	credit: grpoCredit,
	tasks: (i) => tasks("train", 2, i * 2),
	groupSize: 2,
	rollout: { maxNewTokens: 3 },
	seed: 5,
	...extra,
});

const stable = (r: IterationRecord) =>
	Object.fromEntries(Object.entries(r.metrics).filter(([k]) => !k.startsWith("time/") && !k.startsWith("perf/")));

describe("Trainer", () => {
	test("one iteration reports the issue's metrics, /-namespaced", () => {
		const policy = tinyPolicy(21);
		const opt = adam(1e-3);
		const seen: IterationRecord[] = [];
		const trainer = new Trainer(
			options(policy, opt, {
				evaluation: { tasks: tasks("test", 2), every: 1, envs: envs(2) },
				onIteration: (r) => seen.push(r),
			}),
		);
		const [r] = trainer.run(1);
		expect(seen).toHaveLength(1);
		const m = r?.metrics ?? {};
		for (const k of [
			"charts/success",
			"charts/score",
			"charts/return",
			"charts/valid_action_ratio",
			"charts/episode_length",
			"losses/policy_loss",
			"losses/pg_loss",
			"losses/kl",
			"losses/entropy",
			"losses/clip_frac",
			"losses/grad_norm",
			"advantages/mean",
			"advantages/std",
			"perf/rollout_tokens_per_s",
			"perf/update_tokens_per_s",
			"time/rollout_s",
			"time/credit_s",
			"time/update_s",
			"eval/success",
		])
			expect(Number.isFinite(m[k] as number) || k === "losses/kl").toBe(true);
		expect(m["charts/episodes"]).toBe(4);
		expect(trainer.iteration).toBe(1);
		opt.dispose();
		policy.model.dispose();
	}, 20_000);

	test("deterministic for a seed, tensor-flat across iterations, and resumable from a checkpoint", async () => {
		// run A: 3 iterations straight
		const a = tinyPolicy(22);
		const refA = a.model.copy();
		const optA = adam(1e-2);
		const trainerA = new Trainer(options(a, optA, { reference: refA }));
		const recA = trainerA.run(2);
		const tensorsAfter2 = tf.memory().numTensors;
		recA.push(...trainerA.run(3));
		expect(tf.memory().numTensors).toBe(tensorsAfter2);
		// run B: 2 iterations, checkpoint, reload, 1 more
		const b = tinyPolicy(22);
		const refB = b.model.copy();
		const optB = adam(1e-2);
		const trainerB = new Trainer(options(b, optB, { reference: refB }));
		const recB = trainerB.run(2);
		expect(recB.map(stable)).toEqual(recA.slice(0, 2).map(stable));
		await Effect.runPromise(
			saveTrainerCheckpoint(dir, { policy: b, optimizer: optB, reference: refB, state: trainerB.state() }),
		);
		// the reference shares the policy's tokenizer file (a hard link, not a copy)
		const tokenizer = (d: string) => statSync(join(d, "tokenizer.json"));
		expect(tokenizer(join(dir, "reference")).ino).toBe(tokenizer(dir).ino);
		expect(tokenizer(dir).nlink).toBe(2);
		const loaded = await Effect.runPromise(loadTrainerCheckpoint(dir));
		expect(loaded.state).toEqual({ iteration: 2, seed: 5 });
		const trainerC = new Trainer(
			options(loaded.policy, loaded.optimizer, { ...(loaded.reference ? { reference: loaded.reference } : {}) }),
			loaded.state,
		);
		const recC = trainerC.run(3);
		expect(recC).toHaveLength(1);
		expect(stable(recC[0] as IterationRecord)).toEqual(stable(recA[2] as IterationRecord));
		expect(weightGap(a.model, loaded.policy.model)).toBeLessThan(1e-6);
		for (const m of [a.model, refA, b.model, refB, loaded.policy.model, loaded.reference]) m?.dispose();
		for (const o of [optA, optB, loaded.optimizer]) o.dispose();
	}, 60_000);

	test("phases run alone: rollout only, then an update on that batch; PPO needs step rewards", () => {
		const policy = tinyPolicy(23);
		const opt = adam(1e-3);
		const trainer = new Trainer(options(policy, opt, { algorithm: { kind: "ppo", critic: "shared" } }));
		const batch = trainer.rollout(1);
		expect(batch.groups).toHaveLength(2);
		expect(batch.groups[0]?.groupId.startsWith("it1/")).toBe(true);
		expect(trainer.iteration).toBe(0);
		const m = trainer.update(batch);
		expect(Number.isFinite(m["losses/value_loss"] as number)).toBe(true);
		expect(() => trainer.updateWith(batch, { advantages: [] })).toThrow(/stepRewards/);
		opt.dispose();
		policy.model.dispose();
	}, 20_000);

	test("screen: groups are played on the candidates the greedy policy failed, then on the first it won", () => {
		const policy = tinyPolicy(29);
		const opt = adam(1e-3);
		const candidates = tasks("train", 6, 40);
		const trainer = new Trainer(options(policy, opt, { envs: envs(6), tasks: () => candidates, screen: { keep: 2 } }));
		const greedy = collectRollouts(policy, envs(6), { tasks: candidates, greedy: true, maxNewTokens: 3 });
		const failed = candidates.filter((_, i) => !greedy[i]?.won);
		const won = candidates.filter((_, i) => greedy[i]?.won);
		expect(failed.length).toBeGreaterThan(0);
		const expected = [...failed, ...won].slice(0, 2).map((t) => `it1/train-0-${t.index}`);
		const [r] = trainer.run(1);
		expect(r?.batch.groups.map((g) => g.groupId)).toEqual(expected);
		expect(r?.batch.groups.every((g) => g.trajectories.length === 2)).toBe(true);
		expect(r?.metrics["screen/greedy_success"]).toBeCloseTo(won.length / 6, 12);
		expect(r?.metrics["screen/failed_share_of_kept"]).toBe(Math.min(failed.length, 2) / 2);
		opt.dispose();
		policy.model.dispose();
	}, 20_000);

	test("filter: trains on the first mixed groups of the candidates, the groups one collector call over them all would give", () => {
		// a few SFT steps: a policy that wins some episodes and loses others
		const policy = tinyPolicy(31);
		const demos = collectDemonstrations(envs(1)[0] as ManagedEnv, tasks("train", 20)).demos;
		const examples = encodeDemonstrationsWith(policy.codec, demos, 32);
		trainSft(policy.model, examples, examples.slice(0, 4), {
			maxSteps: 60,
			evalEvery: 60,
			batchSize: 16,
			learningRate: 3e-3,
		}).optimizer.dispose();
		const opt = adam(1e-3);
		const candidates = tasks("train", 12, 60);
		const filtered = options(policy, opt, {
			envs: envs(8),
			tasks: () => candidates,
			groupSize: 4,
			filter: { keep: 2 },
		});
		const all = collectRollouts(policy, envs(8), {
			tasks: candidates,
			groupSize: 4,
			maxNewTokens: 3,
			seed: hashSeed(5, "rollout", 1),
			groupPrefix: "it1/",
			meta: { iteration: 1 },
		});
		const groups = groupTrajectories(all).groups;
		const mixed = groups.filter((g) => isMixed(g));
		expect(mixed.length).toBeGreaterThanOrEqual(2);
		const rounds = Math.ceil((groups.indexOf(mixed[1] as (typeof groups)[number]) + 1) / 2);
		const [r] = new Trainer(filtered).run(1);
		expect(r?.batch.groups).toEqual(mixed.slice(0, 2));
		expect(r?.metrics["filter/rounds"]).toBe(rounds);
		expect(r?.metrics["filter/groups_played"]).toBe(2 * rounds);
		expect(Number.isFinite(r?.metrics["losses/pg_loss"] as number)).toBe(true);
		opt.dispose();
		policy.model.dispose();
	}, 20_000);

	test("filter: an iteration that finds no mixed group updates nothing and says so", () => {
		const policy = tinyPolicy(32);
		const before = weights(policy.model);
		const opt = adam(1e-2);
		// every member decodes greedily, so the members of a group end alike
		const trainer = new Trainer(
			options(policy, opt, { filter: { keep: 2 }, rollout: { maxNewTokens: 3, greedyMembers: 2 } }),
		);
		const [r] = trainer.run(1);
		expect(r?.batch.groups).toEqual([]);
		expect(r?.metrics["filter/groups_kept"]).toBe(0);
		expect(r?.metrics["losses/pg_loss"]).toBeUndefined();
		expect(weights(policy.model)).toEqual(before);
		expect(trainer.iteration).toBe(1);
		expect(() => new Trainer(options(policy, opt, { filter: { keep: 2 }, screen: { keep: 2 } }))).toThrow(/screen/);
		opt.dispose();
		policy.model.dispose();
	}, 20_000);
});
