import { beforeAll, describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/backend/index.ts";
import { toRowBatch } from "../../src/train/batch.ts";
import {
	annotateBatch,
	annotateProgress,
	estimatorLoss,
	fitProgressHead,
	isNoOpStep,
	stepContributions,
	trainProgressEstimator,
	trajectoryContributions,
	validateProgress,
} from "../../src/train/index.ts";
import type { Trajectory } from "../../src/trajectory/schema.ts";
import { adam, FIT, rollouts, tinyPolicy } from "./helpers.ts";

beforeAll(() => initBackend("wasm"));

describe("progress estimator", () => {
	test("training drives Σ c_k toward the outcome; annotation writes c_k into every step; validation beats the mean baseline on its training data", () => {
		const policy = tinyPolicy(11);
		const batch = rollouts(policy, 3, 4, 11);
		const trajectories: Trajectory[] = batch.groups.flatMap((g) => g.trajectories);
		// an untrained policy never wins: use a learnable synthetic outcome that depends on the task
		// (its goal is in every prompt), so both outcomes occur
		const outcome = (t: Trajectory) => t.index % 2;
		const estimator = policy.model.copy();
		const before = validateProgress(estimator, trajectories, FIT, { outcome, noOps: "estimate" });
		expect(before.mse).toBeGreaterThan(0);
		const opt = adam(1e-2);
		const base = tf.memory().numTensors;
		const { losses } = trainProgressEstimator(estimator, opt, trajectories, {
			fit: FIT,
			epochs: 15,
			batchSize: 6,
			outcome,
			seed: 1,
			// the untrained policy's answers are mostly invalid, hence no-ops: estimate every step
			noOps: "estimate",
		});
		expect(losses.length).toBe(30);
		const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
		expect(mean(losses.slice(-4))).toBeLessThan(mean(losses.slice(0, 4)));
		const after = validateProgress(estimator, trajectories, FIT, { outcome, noOps: "estimate" });
		expect(after.mse).toBeLessThan(after.baselineMse);
		expect(after.mse).toBeLessThan(before.mse);
		expect(after.trajectories).toBe(trajectories.length);
		expect(after.r2).toBeGreaterThan(0);
		expect(after.trajectoryAuc).toBeGreaterThan(0.5);
		expect(after.stepAuc).toBeGreaterThan(0.5);
		expect(after.goodStepMean).toBeGreaterThan(after.badStepMean);
		const annotated = annotateProgress(estimator, trajectories, FIT);
		const c = stepContributions(estimator, trajectories, FIT);
		expect(c).not.toEqual(stepContributions(estimator, trajectories, FIT, { noOps: "estimate" }));
		annotated.forEach((t, k) => {
			expect(t.steps.map((s) => s.progress)).toEqual(c[k] ?? []);
			expect(trajectories[k]?.steps[0]?.progress).toBeUndefined();
		});
		const a2 = annotateBatch(estimator, batch, FIT);
		expect(a2.groups.map((g) => g.trajectories.length)).toEqual(batch.groups.map((g) => g.trajectories.length));
		expect(a2.groups[1]?.trajectories[2]?.steps.map((s) => s.progress)).toEqual(c[6] ?? []);
		// only Adam's moments were added (two per trained variable plus the iteration counters)
		const moments = tf.memory().numTensors - base;
		trainProgressEstimator(estimator, opt, trajectories, { fit: FIT, epochs: 1, batchSize: 6, outcome });
		trainProgressEstimator(estimator, opt, trajectories, {
			fit: FIT,
			epochs: 1,
			batchSize: 6,
			outcome,
			noOps: "estimate",
		});
		expect(tf.memory().numTensors - base).toBe(moments);
		opt.dispose();
		estimator.dispose();
		policy.model.dispose();
	}, 30_000);

	test("the closed-form head fit recovers sums a progress head can express, exactly; trainable: head moves only the head", () => {
		const policy = tinyPolicy(13);
		const trajectories = rollouts(policy, 3, 4, 13).groups.flatMap((g) => g.trajectories);
		const teacher = policy.model.copy();
		const D = teacher.config.dModel;
		const w = Array.from({ length: D }, (_, i) => Math.sin(i + 1) / 4);
		teacher.params.get("progress_head.weight")?.assign(tf.tensor2d(w, [D, 1]));
		teacher.params.get("progress_head.bias")?.assign(tf.tensor1d([0.3]));
		const sums = stepContributions(teacher, trajectories, FIT).map((c) => c.reduce((x, y) => x + y, 0));
		const outcome = (t: Trajectory) => sums[trajectories.indexOf(t)] as number;
		const student = policy.model.copy();
		fitProgressHead(student, trajectories, { fit: FIT, outcome }); // warms the model's mask cache
		const base = tf.memory().numTensors;
		const { mse } = fitProgressHead(student, trajectories, { fit: FIT, outcome, ridge: 1e-9 });
		expect(tf.memory().numTensors).toBe(base);
		expect(mse).toBeLessThan(1e-6);
		const fitted = stepContributions(student, trajectories, FIT).map((c) => c.reduce((x, y) => x + y, 0));
		for (const [k, s] of fitted.entries()) expect(Math.abs(s - (sums[k] as number))).toBeLessThan(1e-3);
		// Adam on the head only leaves the trunk as it was
		const trunk = () => student.params.get("blocks.0.attn.qkv.weight")?.dataSync().slice(0, 8);
		const before = trunk();
		const opt = adam(1e-2);
		trainProgressEstimator(student, opt, trajectories, { fit: FIT, batchSize: 6, outcome, trainable: "head" });
		expect(trunk()).toEqual(before);
		opt.dispose();
		for (const m of [teacher, student, policy.model]) m.dispose();
	}, 30_000);

	test("noOps: a step that left the state unchanged contributes exactly 0 under 'zero' (the default), is estimated under 'estimate', and is left out of the training sums", () => {
		const policy = tinyPolicy(14);
		const raw = rollouts(policy, 2, 3, 14).groups.flatMap((g) => g.trajectories);
		// every second step of every trajectory becomes a no-op (same state key before and after)
		const trajectories: Trajectory[] = raw.map((t) => ({
			...t,
			steps: t.steps.map((s, j) => (j % 2 === 1 ? { ...s, nextStateKey: s.stateKey } : s)),
		}));
		expect(trajectories.some((t) => t.steps.length > 1)).toBe(true);
		expect(
			isNoOpStep({ ...(trajectories[0]?.steps[0] as Trajectory["steps"][number]), stateKey: "", nextStateKey: "" }),
		).toBe(false);
		const estimator = policy.model.copy();
		estimator.params.get("progress_head.bias")?.assign(tf.tensor1d([0.25]));
		const zero = stepContributions(estimator, trajectories, FIT);
		const all = stepContributions(estimator, trajectories, FIT, { noOps: "estimate" });
		trajectories.forEach((t, k) => {
			t.steps.forEach((s, j) => {
				if (isNoOpStep(s)) {
					expect(zero[k]?.[j]).toBe(0);
					expect(Math.abs(all[k]?.[j] as number)).toBeGreaterThan(0);
				} else expect(zero[k]?.[j]).toBeCloseTo(all[k]?.[j] as number, 5);
			});
		});
		// the outcome is the sum of the estimated (non-no-op) steps' current contributions (no c_init): the
		// loss is 0 under 'zero', and not under 'estimate', where the no-ops' contributions join the sums
		const sums = zero.map((c) => c.reduce((a, b) => a + b, 0));
		const outcome = (t: Trajectory) => sums[trajectories.indexOf(t)] as number;
		const opt = adam(1e-2);
		const { losses } = trainProgressEstimator(estimator, opt, trajectories, {
			fit: FIT,
			batchSize: 6,
			outcome,
			initial: false,
		});
		expect(losses[0]).toBeLessThan(1e-10);
		const { losses: withNoOps } = trainProgressEstimator(estimator, opt, trajectories, {
			fit: FIT,
			batchSize: 6,
			outcome,
			noOps: "estimate",
			initial: false,
		});
		expect(withNoOps[0]).toBeGreaterThan(1e-4);
		const v = validateProgress(estimator, trajectories, FIT, { outcome, noOps: "estimate" });
		expect(v.mse).toBeGreaterThan(0);
		opt.dispose();
		estimator.dispose();
		policy.model.dispose();
	}, 30_000);

	test("validation uses the training mean when given and ranks good against bad steps with a custom label", () => {
		const policy = tinyPolicy(12);
		const trajectories = rollouts(policy, 1, 3, 12).groups.flatMap((g) => g.trajectories);
		const v = validateProgress(policy.model, trajectories, FIT, {
			outcome: () => 1,
			trainOutcomeMean: 0.5,
			stepLabel: (_t, j) => (j === 0 ? true : j === 1 ? false : undefined),
		});
		expect(v.baselineMse).toBeCloseTo(0.25, 10);
		expect(v.stepAuc).toBeGreaterThanOrEqual(0);
		expect(v.stepAuc).toBeLessThanOrEqual(1);
		policy.model.dispose();
	});

	test("initial: c_init, read before the first action, joins every sum (a constant head gives b·(K + 1))", () => {
		const policy = tinyPolicy(17);
		const batch = rollouts(policy, 2, 3, 17);
		const trajectories: Trajectory[] = batch.groups.flatMap((g) => g.trajectories);
		const estimator = policy.model.copy();
		const b = 0.25;
		tf.tidy(() => {
			const w = estimator.params.get("progress_head.weight") as tf.Variable;
			w.assign(tf.zerosLike(w));
			(estimator.params.get("progress_head.bias") as tf.Variable).assign(tf.tensor1d([b]));
		});
		const outcome = (t: Trajectory) => t.index % 2;
		const K = trajectories.map((t) => t.steps.filter((s) => !isNoOpStep(s) && s.actionIds.length > 0).length);
		for (const initial of [false, true]) {
			const expected =
				trajectories.reduce((sum, t, k) => sum + (b * ((K[k] as number) + (initial ? 1 : 0)) - outcome(t)) ** 2, 0) /
				trajectories.length;
			const loss = tf.tidy(() =>
				estimatorLoss(estimator, toRowBatch(batch, FIT), trajectories.map(outcome), 0, "zero", initial).dataSync(),
			);
			expect(loss[0] as number).toBeCloseTo(expected, 5);
			const v = validateProgress(estimator, trajectories, FIT, { outcome, initial });
			expect(v.mse).toBeCloseTo(expected, 5);
			const c = trajectoryContributions(estimator, trajectories, FIT, { initial });
			expect(c.initial).toEqual(trajectories.map(() => (initial ? b : 0)));
			expect(c.steps.map((steps) => steps.filter((x) => x !== 0).length)).toEqual(K);
			if (initial) expect(validateProgress(estimator, trajectories, FIT, { outcome }).mse).toBeCloseTo(expected, 5);
		}
		estimator.dispose();
		policy.model.dispose();
	});

	test("initial: the closed-form probe fits what a per-step sum cannot (a constant outcome, episodes of different lengths)", () => {
		const policy = tinyPolicy(19);
		const trajectories: Trajectory[] = rollouts(policy, 10, 4, 19)
			.groups.flatMap((g) => g.trajectories)
			.map((t, i) => ({ ...t, steps: t.steps.slice(0, 1 + (i % 5)) }));
		const outcome = () => 1;
		const estimator = policy.model.copy();
		const options = { fit: FIT, outcome, noOps: "estimate" as const, ridge: 1e-6 };
		const without = fitProgressHead(estimator, trajectories, { ...options, initial: false }).mse;
		const withInitial = fitProgressHead(estimator, trajectories, options).mse;
		expect(without).toBeGreaterThan(0.01);
		expect(withInitial).toBeLessThan(without / 3);
		estimator.dispose();
		policy.model.dispose();
	});
});
