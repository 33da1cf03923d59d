import { beforeAll, describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/backend/index.ts";
import { groupRelativeUpdate, ppoUpdate, scoreRows, toRowBatch } from "../../src/train/index.ts";
import { balancedChunks } from "../../src/util/chunks.ts";
import { adam, FIT, grpoCredit, rollouts, tinyPolicy, weightGap } from "./helpers.ts";

beforeAll(() => initBackend("wasm"));

describe("micro-batches", () => {
	test("a mini-batch is cut into the fewest chunks of at most microBatchSize rows, of sizes that differ by at most one, in order", () => {
		const cut = (n: number, micro: number) =>
			balancedChunks(
				Array.from({ length: n }, (_, i) => i),
				micro,
			);
		expect(cut(35, 32).map((c) => c.length)).toEqual([18, 17]);
		expect(cut(64, 32).map((c) => c.length)).toEqual([32, 32]);
		expect(cut(67, 32).map((c) => c.length)).toEqual([22, 23, 22]);
		expect(cut(5, 32)).toEqual([[0, 1, 2, 3, 4]]);
		expect(cut(67, 32).flat()).toEqual(Array.from({ length: 67 }, (_, i) => i));
	});
});

describe("groupRelativeUpdate", () => {
	test("first mini-batch at ratio 1: pg_loss = −Σ A·len / Σ len, no clipping, zero approx KL; entropy ≈ ln V for a fresh model", () => {
		const policy = tinyPolicy(1);
		const batch = rollouts(policy, 2, 3, 1);
		const credit = grpoCredit(batch);
		const adv = (credit.advantages as number[][][]).flat(2);
		const lens = batch.groups.flatMap((g) => g.trajectories.flatMap((t) => t.steps.map((s) => s.actionIds.length)));
		const expected = -adv.reduce((s, a, i) => s + a * (lens[i] as number), 0) / lens.reduce((a, b) => a + b, 0);
		const opt = adam(1e-3);
		const m = groupRelativeUpdate(
			{ model: policy.model, optimizer: opt, pad: policy.codec.padId },
			batch,
			credit.advantages,
			FIT,
			{ miniBatchSize: 10_000, klCoef: 0, entropyCoef: 0 },
		);
		expect(m["losses/pg_loss"]).toBeCloseTo(expected, 5);
		expect(m["losses/clip_frac"]).toBe(0);
		expect(Math.abs(m["losses/approx_kl"] as number)).toBeLessThan(1e-6);
		expect(m["losses/entropy"]).toBeCloseTo(Math.log(policy.codec.vocabSize), 1);
		expect(m["losses/optimizer_steps"]).toBe(1);
		expect(m["advantages/mean"]).toBeCloseTo(adv.reduce((a, b) => a + b, 0) / adv.length, 10);
		opt.dispose();
		policy.model.dispose();
	});

	test("oldLogProbs rollout: the stored log-probs are the ratio's denominator (offline data: the policy that played it)", () => {
		const policy = tinyPolicy(2);
		const batch = rollouts(policy, 2, 3, 2);
		const ones = batch.groups.map((g) => g.trajectories.map((t) => t.steps.map(() => 1)));
		const update = (b: typeof batch) => {
			const opt = adam(1e-3);
			const saved = policy.model.copy();
			const m = groupRelativeUpdate({ model: policy.model, optimizer: opt, pad: policy.codec.padId }, b, ones, FIT, {
				miniBatchSize: 10_000,
				klCoef: 0,
				entropyCoef: 0,
				oldLogProbs: "rollout",
			});
			policy.model.variables().forEach((v, i) => {
				v.assign(saved.variables()[i] as tf.Variable);
			});
			saved.dispose();
			opt.dispose();
			return m;
		};
		// stored by the policy that is updating: ratio about 1 (sampling renormalises over the tokens it
		// allows, which scoring does not, so a fresh model's stored log-probs are a little higher)
		const same = update(batch);
		expect(same["losses/pg_loss"]).toBeCloseTo(-1, 1);
		expect(same["losses/clip_frac"]).toBe(0);
		// stored by a policy that gave every token e⁻¹ times the probability: ratio e > 1 + 0.2, all clipped
		const older = {
			groups: batch.groups.map((g) => ({
				...g,
				trajectories: g.trajectories.map((t) => ({
					...t,
					steps: t.steps.map((st) => ({ ...st, logProbs: st.logProbs.map((l) => l - 1) })),
				})),
			})),
		};
		const moved = update(older);
		expect(moved["losses/clip_frac"]).toBe(1);
		expect(moved["losses/pg_loss"]).toBeCloseTo(-1.2, 5);
		policy.model.dispose();
	});

	test("a positive advantage raises the log-probs of that step's action tokens, a negative one lowers them", () => {
		const policy = tinyPolicy(2);
		const batch = rollouts(policy, 1, 2, 2);
		const rb = toRowBatch(batch, FIT);
		const n = rb.rows.length;
		const advantages = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : -1));
		const before = scoreRows(policy.model, rb).logProbs;
		const opt = adam(1e-2);
		const ctx = { model: policy.model, optimizer: opt, pad: policy.codec.padId };
		groupRelativeUpdate(ctx, batch, advantages, FIT, { klCoef: 0, entropyCoef: 0, epochs: 2 });
		const after = scoreRows(policy.model, rb).logProbs;
		let up = 0;
		let down = 0;
		for (const r of rb.rows) {
			let d = 0;
			for (let j = rb.tokenStart[r.row] as number; j < (rb.tokenStart[r.row + 1] as number); j++)
				d += (after[j] as number) - (before[j] as number);
			if (r.row % 2 === 0) up += d;
			else down += d;
		}
		expect(up).toBeGreaterThan(0);
		expect(down).toBeLessThan(0);
		opt.dispose();
		policy.model.dispose();
	});

	test("the KL term is 0 against an identical reference and positive once the policy moves", () => {
		const policy = tinyPolicy(3);
		const reference = policy.model.copy();
		const batch = rollouts(policy, 2, 2, 3);
		const credit = grpoCredit(batch);
		const opt = adam(3e-2);
		const ctx = { model: policy.model, optimizer: opt, reference, pad: policy.codec.padId };
		const first = groupRelativeUpdate(ctx, batch, credit.advantages, FIT, { miniBatchSize: 10_000 });
		expect(Math.abs(first["losses/kl"] as number)).toBeLessThan(1e-6);
		const second = groupRelativeUpdate(ctx, batch, credit.advantages, FIT, { miniBatchSize: 10_000 });
		expect(second["losses/kl"]).toBeGreaterThan(1e-6);
		opt.dispose();
		reference.dispose();
		policy.model.dispose();
	});

	test("micro-batches (gradient accumulation) reproduce the full mini-batch step", () => {
		const p1 = tinyPolicy(8);
		const p2 = { ...p1, model: p1.model.copy() };
		const batch = rollouts(p1, 2, 2, 8);
		const credit = grpoCredit(batch);
		const o1 = tf.train.sgd(0.1);
		const o2 = tf.train.sgd(0.1);
		const cfg = { miniBatchSize: 10_000, klCoef: 0, maxGradNorm: 0 };
		const m1 = groupRelativeUpdate({ model: p1.model, optimizer: o1 }, batch, credit.advantages, FIT, {
			...cfg,
			microBatchSize: 10_000,
		});
		const m2 = groupRelativeUpdate({ model: p2.model, optimizer: o2 }, batch, credit.advantages, FIT, {
			...cfg,
			microBatchSize: 3,
		});
		expect(m2["losses/pg_loss"]).toBeCloseTo(m1["losses/pg_loss"] as number, 5);
		expect(m2["losses/entropy"]).toBeCloseTo(m1["losses/entropy"] as number, 4);
		expect(weightGap(p1.model, p2.model)).toBeLessThan(1e-5);
		o1.dispose();
		o2.dispose();
		p1.model.dispose();
		p2.model.dispose();
	});

	test("merging identical rows reproduces the unmerged update: loss, clip fractions, KL and weights", () => {
		const p1 = tinyPolicy(9);
		const p2 = { ...p1, model: p1.model.copy() };
		const reference = p1.model.copy();
		const sampled = rollouts(p1, 2, 3, 9);
		// every trajectory twice, so each row has a duplicate (with a different advantage)
		const batch = {
			...sampled,
			groups: sampled.groups.map((g) => ({ ...g, trajectories: [...g.trajectories, ...g.trajectories] })),
		};
		const n = toRowBatch(batch, FIT).rows.length;
		const advantages = Array.from({ length: n }, (_, i) => (((i * 7919) % 13) - 6) / 3);
		const run = (p: typeof p1, mergeDuplicates: boolean) => {
			const opt = tf.train.sgd(0.5);
			const ctx = { model: p.model, optimizer: opt, reference, pad: p.codec.padId };
			const cfg = { miniBatchSize: 10_000, microBatchSize: 4, epochs: 3, maxGradNorm: 0, mergeDuplicates };
			const m = groupRelativeUpdate(ctx, batch, advantages, FIT, cfg);
			opt.dispose();
			return m;
		};
		const m1 = run(p1, false);
		const m2 = run(p2, true);
		for (const k of [
			"losses/pg_loss",
			"losses/entropy",
			"losses/kl",
			"losses/clip_frac",
			"losses/clip_frac_lower",
			"losses/approx_kl",
		])
			expect(m2[k]).toBeCloseTo(m1[k] as number, 5);
		expect(m1["losses/clip_frac"]).toBeGreaterThan(0);
		expect(weightGap(p1.model, p2.model)).toBeLessThan(1e-5);
		reference.dispose();
		p1.model.dispose();
		p2.model.dispose();
	});

	test("refuses advantages that do not match the batch's steps", () => {
		const policy = tinyPolicy(4);
		const batch = rollouts(policy, 1, 2, 4);
		const opt = adam();
		expect(() =>
			groupRelativeUpdate({ model: policy.model, optimizer: opt }, batch, [1, 2, 3].slice(0, 0), FIT),
		).toThrow(/step rows/);
		expect(() =>
			groupRelativeUpdate(
				{ model: policy.model, optimizer: opt },
				batch,
				new Array(toRowBatch(batch, FIT).rows.length).fill(Number.NaN),
				FIT,
			),
		).toThrow(/not finite/);
		opt.dispose();
		policy.model.dispose();
	}, 20_000);
});

describe("ppoUpdate", () => {
	test("γ = λ = 1 without whitening: returns are each trajectory's summed step rewards, advantages = return − V", () => {
		const policy = tinyPolicy(5);
		const batch = rollouts(policy, 2, 2, 5);
		const { stepRewards } = grpoCredit(batch);
		const rb = toRowBatch(batch, FIT);
		const values = scoreRows(policy.model, rb).values;
		// expected per token: return = Σ of the trajectory's rewards from this step on
		const rewards = (stepRewards as number[][][]).flat(2);
		const ret: number[] = [];
		rb.trajectories.forEach((_, k) => {
			for (let i = rb.trajStart[k] as number; i < (rb.trajStart[k + 1] as number); i++) {
				let g = 0;
				for (let j = i; j < (rb.trajStart[k + 1] as number); j++) g += rewards[j] as number;
				for (let t = rb.tokenStart[i] as number; t < (rb.tokenStart[i + 1] as number); t++) ret.push(g);
			}
		});
		const meanRet = ret.reduce((a, b) => a + b, 0) / ret.length;
		const meanAdv = ret.reduce((s, g, t) => s + g - (values[t] as number), 0) / ret.length;
		const opt = adam(1e-3);
		const m = ppoUpdate(
			{ model: policy.model, optimizer: opt, pad: policy.codec.padId },
			"shared",
			batch,
			stepRewards ?? [],
			FIT,
			{
				whitenAdvantages: false,
				klCoef: 0,
			},
		);
		expect(m["returns/mean"]).toBeCloseTo(meanRet, 5);
		expect(m["advantages/mean"]).toBeCloseTo(meanAdv, 5);
		expect(m["losses/value_loss"]).toBeGreaterThan(0);
		expect(
			Number.isFinite(m["losses/explained_variance"] as number) ||
				Number.isNaN(m["losses/explained_variance"] as number),
		).toBe(true);
		opt.dispose();
		policy.model.dispose();
	});

	test("a separate critic learns the returns: its value loss falls over repeated updates", () => {
		const policy = tinyPolicy(6);
		const critic = { model: policy.model.copy(), optimizer: adam(1e-2) };
		const batch = rollouts(policy, 2, 2, 6);
		const { stepRewards } = grpoCredit(batch);
		const opt = adam(1e-4);
		const losses: number[] = [];
		for (let i = 0; i < 5; i++) {
			const m = ppoUpdate(
				{ model: policy.model, optimizer: opt, pad: policy.codec.padId },
				critic,
				batch,
				stepRewards ?? [],
				FIT,
				{
					valueClip: 0,
					klCoef: 0,
				},
			);
			losses.push(m["losses/value_loss"] as number);
			expect(m["losses/critic_grad_norm"]).toBeGreaterThan(0);
		}
		expect(losses[losses.length - 1] as number).toBeLessThan((losses[0] as number) * 0.8);
		opt.dispose();
		critic.optimizer.dispose();
		critic.model.dispose();
		policy.model.dispose();
	}, 20_000);
});

describe("no tensor leaks", () => {
	test("tf.memory().numTensors stays flat across group-relative and PPO updates", () => {
		const policy = tinyPolicy(7);
		const reference = policy.model.copy();
		const critic = { model: policy.model.copy(), optimizer: adam() };
		const batch = rollouts(policy, 2, 2, 7);
		const credit = grpoCredit(batch);
		const opt = adam(1e-3);
		const ctx = { model: policy.model, optimizer: opt, reference, pad: policy.codec.padId };
		const once = () => {
			groupRelativeUpdate(ctx, batch, credit.advantages, FIT, { miniBatchSize: 4 });
			ppoUpdate(ctx, "shared", batch, credit.stepRewards ?? [], FIT, { miniBatchSize: 4 });
			ppoUpdate(ctx, critic, batch, credit.stepRewards ?? [], FIT, { miniBatchSize: 4 });
		};
		once(); // the optimizers create their moments
		const base = tf.memory().numTensors;
		for (let i = 0; i < 2; i++) once();
		expect(tf.memory().numTensors).toBe(base);
		opt.dispose();
		critic.optimizer.dispose();
		critic.model.dispose();
		reference.dispose();
		policy.model.dispose();
	}, 20_000);
});
