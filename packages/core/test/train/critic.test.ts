import { beforeAll, describe, expect, test } from "bun:test";
import { initBackend } from "../../src/backend/index.ts";
import {
	denormalizeValues,
	emptyValueNorm,
	normalizeValues,
	ppoStep,
	Trainer,
	updateValueNorm,
} from "../../src/train/index.ts";
import { adam, envs, FIT, grpoCredit, rollouts, tasks, tinyPolicy, weightGap } from "./helpers.ts";

beforeAll(() => initBackend("wasm"));

describe("value normalisation", () => {
	test("batch updates give the mean and population variance of all values seen (worked example)", () => {
		// 1, 2, 3 then 10: mean 4, variance (9 + 4 + 1 + 36)/4 = 12.5
		const s = updateValueNorm(updateValueNorm(emptyValueNorm, [1, 2, 3]), [10]);
		expect(s.count).toBe(4);
		expect(s.mean).toBeCloseTo(4, 12);
		expect(s.variance).toBeCloseTo(12.5, 12);
		const z = normalizeValues(s, [4, 4 + Math.sqrt(12.5)]);
		expect(z[0]).toBeCloseTo(0, 12);
		expect(z[1]).toBeCloseTo(1, 12);
		expect(Array.from(denormalizeValues(s, z))).toEqual([4, 4 + Math.sqrt(12.5)].map((v) => expect.closeTo(v, 10)));
	});

	test("no statistics: the identity; equal returns: σ floored, never a division by zero", () => {
		expect(Array.from(normalizeValues(emptyValueNorm, [0.5, -2]))).toEqual([0.5, -2]);
		const flat = updateValueNorm(emptyValueNorm, [1, 1, 1]);
		expect(Array.from(normalizeValues(flat, [1, 1.0001])).every(Number.isFinite)).toBe(true);
	});
});

describe("critic warm-up", () => {
	test("a warm-up update moves the separate critic and leaves the policy's weights exactly as they were", () => {
		const policy = tinyPolicy(11);
		const before = policy.model.copy();
		const critic = { model: policy.model.copy(), optimizer: adam(1e-2) };
		const criticBefore = critic.model.copy();
		const batch = rollouts(policy, 2, 2, 11);
		const { stepRewards } = grpoCredit(batch);
		const opt = adam(1e-3);
		const r = ppoStep(
			{ model: policy.model, optimizer: opt, pad: policy.codec.padId },
			critic,
			batch,
			stepRewards ?? [],
			FIT,
			{ klCoef: 0 },
			0,
			{ trainPolicy: false, valueNorm: emptyValueNorm },
		);
		expect(weightGap(policy.model, before)).toBe(0);
		expect(weightGap(critic.model, criticBefore)).toBeGreaterThan(0);
		expect(r.metrics["critic/warmup"]).toBe(1);
		expect(r.metrics["losses/grad_norm"]).toBeUndefined();
		expect(r.valueNorm?.count).toBeGreaterThan(0);
		for (const m of [before, criticBefore, critic.model, policy.model]) m.dispose();
		critic.optimizer.dispose();
		opt.dispose();
	}, 20_000);

	test("a shared value head cannot warm up: refused, named", () => {
		const policy = tinyPolicy(12);
		const opt = adam();
		expect(
			() =>
				new Trainer({
					policy,
					optimizer: opt,
					envs: envs(2),
					algorithm: { kind: "ppo", critic: "shared", warmup: 2 },
					credit: grpoCredit,
					tasks: () => tasks("train", 1),
					groupSize: 2,
				}),
		).toThrow(/warm-up needs a separate critic/);
		opt.dispose();
		policy.model.dispose();
	});

	test("the critic's explained variance on the same returns rises across warm-up updates with a normalised target", () => {
		const policy = tinyPolicy(13);
		const critic = { model: policy.model.copy(), optimizer: adam(3e-3) };
		const batch = rollouts(policy, 3, 3, 13);
		const { stepRewards } = grpoCredit(batch);
		const opt = adam();
		let norm = emptyValueNorm;
		const ev: number[] = [];
		for (let i = 0; i < 8; i++) {
			const r = ppoStep(
				{ model: policy.model, optimizer: opt, pad: policy.codec.padId },
				critic,
				batch,
				stepRewards ?? [],
				FIT,
				{ klCoef: 0, valueClip: 0 },
				i,
				{ trainPolicy: false, valueNorm: norm },
			);
			norm = r.valueNorm ?? norm;
			ev.push(r.metrics["losses/explained_variance"] as number);
		}
		expect(ev[ev.length - 1] as number).toBeGreaterThan((ev[0] as number) + 0.2);
		critic.model.dispose();
		critic.optimizer.dispose();
		opt.dispose();
		policy.model.dispose();
	}, 30_000);
});

describe("critic replay", () => {
	const run = (restoreAt?: number) => {
		const policy = tinyPolicy(31);
		const critic = { model: policy.model.copy(), optimizer: adam(3e-3) };
		const opt = adam(1e-3);
		const make = (state?: { iteration: number; seed: number }) =>
			new Trainer(
				{
					policy,
					optimizer: opt,
					envs: envs(4),
					algorithm: {
						kind: "ppo",
						critic,
						config: { klCoef: 0, miniBatchSize: 16 },
						warmup: 1,
						criticEpochs: 3,
						criticReplay: 2,
						normalizeValues: true,
					},
					credit: grpoCredit,
					tasks: (i) => tasks("train", 2, i * 2),
					groupSize: 2,
					rollout: { maxNewTokens: 3 },
					seed: 7,
				},
				state,
			);
		let trainer = make();
		const sizes: number[] = [];
		for (let i = 1; i <= 4; i++) {
			if (restoreAt !== undefined && i === restoreAt + 1) {
				// a resumed trainer: its state and replay restored, the weights and optimizers kept
				const replay = trainer.replayBatches();
				const state = trainer.state();
				trainer = make(state);
				trainer.restoreReplay(replay);
			}
			trainer.step();
			sizes.push(trainer.replayBatches().length);
		}
		const out = { sizes, values: critic.model.variables().map((v) => Array.from(v.dataSync())) };
		critic.model.dispose();
		critic.optimizer.dispose();
		opt.dispose();
		policy.model.dispose();
		return out;
	};

	test("keeps the last criticReplay batches, and a trainer restored with its replay continues as the uninterrupted one", () => {
		const a = run();
		expect(a.sizes).toEqual([1, 2, 2, 2]);
		const b = run(2);
		expect(b.values).toEqual(a.values);
	}, 60_000);
});
