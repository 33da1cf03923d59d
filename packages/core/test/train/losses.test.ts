import { beforeAll, describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/backend/index.ts";
import { aggregateLoss, entropyLoss, klPenalty, ppoClipLoss, progressLoss, valueLoss } from "../../src/train/index.ts";

beforeAll(() => initBackend("wasm"));

const num = (t: tf.Tensor): number => t.dataSync()[0] as number;
const arr = (t: tf.Tensor): number[] => Array.from(t.dataSync());

describe("aggregateLoss", () => {
	const loss = [
		[1, 2, 3],
		[4, 9, 9],
		[7, 7, 7],
	];
	const mask = [
		[1, 1, 1],
		[1, 0, 0],
		[0, 0, 0],
	];
	test("token-mean: Σ loss·mask / Σ mask over the whole mini-batch", () => {
		tf.tidy(() => expect(num(aggregateLoss(tf.tensor2d(loss), tf.tensor2d(mask)))).toBeCloseTo(10 / 4, 6));
	});
	test("seq-mean-token-mean and seq-mean-token-sum skip rows without tokens", () => {
		tf.tidy(() => {
			expect(num(aggregateLoss(tf.tensor2d(loss), tf.tensor2d(mask), "seq-mean-token-mean"))).toBeCloseTo(
				(2 + 4) / 2,
				6,
			);
			expect(num(aggregateLoss(tf.tensor2d(loss), tf.tensor2d(mask), "seq-mean-token-sum"))).toBeCloseTo(
				(6 + 4) / 2,
				6,
			);
		});
	});
	test("an empty mask gives 0", () => {
		tf.tidy(() => expect(num(aggregateLoss(tf.tensor2d([[5, 6]]), tf.tensor2d([[0, 0]])))).toBe(0));
	});
});

describe("ppoClipLoss (clip 0.2, dual clip 3)", () => {
	// ratios r = exp(logp − old) and advantages, hand-computed per token:
	// r=1.5 A=+1: max(−1.5, −1.2) = −1.2  (clipped)
	// r=0.5 A=+1: max(−0.5, −0.8) = −0.5
	// r=1.1 A=−1: max(1.1, 1.1) = 1.1; dual min(3, 1.1) = 1.1
	// r=0.1 A=−2: max(0.2, 1.6) = 1.6  (clipped); dual min(6, 1.6) = 1.6
	// r=4   A=−1: max(4, 1.2) = 4; dual min(3, 4) = 3 (dual clip binds)
	// sixth token is masked out (r = 100, A = 5).
	const ratios = [1.5, 0.5, 1.1, 0.1, 4, 100];
	const adv = [1, 1, -1, -2, -1, 5];
	const mask = [1, 1, 1, 1, 1, 0];
	const old = [-0.3, -1, -2, -0.5, -0.7, -3];
	const logp = ratios.map((r, i) => Math.log(r) + (old[i] as number));
	test("loss, clip fraction, dual-clip fraction and approximate KL match the hand computation", () => {
		tf.tidy(() => {
			const out = ppoClipLoss(tf.tensor2d([logp]), tf.tensor2d([old]), tf.tensor2d([adv]), tf.tensor2d([mask]));
			expect(num(out.loss)).toBeCloseTo((-1.2 - 0.5 + 1.1 + 1.6 + 3) / 5, 5);
			expect(num(out.clipFrac)).toBeCloseTo(2 / 5, 6);
			expect(num(out.clipFracLower)).toBeCloseTo(1 / 5, 6);
			const kl = -ratios.slice(0, 5).reduce((s, r) => s + Math.log(r), 0) / 5;
			expect(num(out.approxKl)).toBeCloseTo(kl, 5);
		});
	});
	test("the gradient is −A·r/n where unclipped and 0 where clipped", () => {
		tf.tidy(() => {
			const g = tf.grad(
				(lp: tf.Tensor) => ppoClipLoss(lp, tf.tensor2d([old]), tf.tensor2d([adv]), tf.tensor2d([mask])).loss,
			)(tf.tensor2d([logp]));
			// d/dlogp of −A·r = −A·r; tokens 2 and 3 are unclipped.
			expect(arr(g).map((x) => Number(x.toFixed(5)))).toEqual([
				0,
				Number((-0.5 / 5).toFixed(5)),
				Number((1.1 / 5).toFixed(5)),
				0,
				0,
				0,
			]);
		});
	});
	test("asymmetric clip range and the dual-clip constant are honoured", () => {
		tf.tidy(() => {
			const out = ppoClipLoss(
				tf.tensor2d([[Math.log(1.5), Math.log(4)]]),
				tf.tensor2d([[0, 0]]),
				tf.tensor2d([[1, -1]]),
				tf.tensor2d([[1, 1]]),
				{
					clipRatioLow: 0.2,
					clipRatioHigh: 0.28,
					clipRatioC: 10,
				},
			);
			// −min(1.5, 1.28) = −1.28; A<0: max(4, 1.2) = 4, min(10, 4) = 4
			expect(num(out.loss)).toBeCloseTo((-1.28 + 4) / 2, 5);
		});
		expect(() =>
			ppoClipLoss(tf.zeros([1, 1]), tf.zeros([1, 1]), tf.zeros([1, 1]), tf.ones([1, 1]), { clipRatioC: 1 }),
		).toThrow(RangeError);
	});
});

describe("klPenalty", () => {
	test("low_var_kl (k3) = exp(ref − logp) − (ref − logp) − 1, clamped", () => {
		tf.tidy(() => {
			const k = arr(klPenalty(tf.tensor1d([0, Math.log(2), 0, 0]), tf.tensor1d([Math.log(2), 0, 0, 30])));
			expect(k[0]).toBeCloseTo(1 - Math.log(2), 5);
			expect(k[1]).toBeCloseTo(Math.log(2) - 0.5, 5);
			expect(k[2]).toBeCloseTo(0, 6);
			expect(k[3]).toBe(10); // exp(20) − 21 clamped to 10
		});
	});
	test("k1, abs and mse estimators", () => {
		tf.tidy(() => {
			const lp = tf.tensor1d([-1, -2]);
			const ref = tf.tensor1d([-1.5, -1]);
			expect(arr(klPenalty(lp, ref, "kl"))).toEqual([0.5, -1]);
			expect(arr(klPenalty(lp, ref, "abs"))).toEqual([0.5, 1]);
			expect(arr(klPenalty(lp, ref, "mse"))).toEqual([0.125, 0.5]);
		});
	});
});

describe("entropyLoss", () => {
	test("token-mean of per-token entropies", () => {
		tf.tidy(() => {
			// entropies of [½, ½] = ln 2 and of [¼ ×4] = ln 4; the third token is masked
			const e = tf.tensor2d([[Math.log(2), Math.log(4), 100]]);
			expect(num(entropyLoss(e, tf.tensor2d([[1, 1, 0]])))).toBeCloseTo((Math.log(2) + Math.log(4)) / 2, 6);
		});
	});
});

describe("valueLoss (clip 0.5)", () => {
	test("½·mean(max((V−R)², (V_clip−R)²)) and the clip fraction", () => {
		tf.tidy(() => {
			// V=1, old .5, R=1.5: e1=.25, Vc=1, e2=.25 → .25
			// V=2, old .5, R=0: e1=4, Vc=1, e2=1 → 4
			// V=0, old 0, R=1: e1=1, e2=1 → 1
			// V=.9, old 0, R=1: e1=.01, Vc=.5, e2=.25 → .25 (clipped term binds)
			const out = valueLoss(
				tf.tensor1d([1, 2, 0, 0.9]),
				tf.tensor1d([0.5, 0.5, 0, 0]),
				tf.tensor1d([1.5, 0, 1, 1]),
				tf.ones([4]),
			);
			expect(num(out.loss)).toBeCloseTo(0.5 * ((0.25 + 4 + 1 + 0.25) / 4), 5);
			expect(num(out.clipFrac)).toBeCloseTo(0.25, 6);
			const plain = valueLoss(tf.tensor1d([0.9]), tf.tensor1d([0]), tf.tensor1d([1]), tf.ones([1]), 0);
			expect(num(plain.loss)).toBeCloseTo(0.5 * 0.01, 6);
		});
	});
});

describe("progressLoss (SPA, docs/credit/spa.md)", () => {
	test("turn values [.1,.3,.5] with R=1 and [.2,−.1,0] with R=0 give MSE 0.01", () => {
		tf.tidy(() => {
			const c = tf.tensor1d([0.1, 0.3, 0.5, 0.2, -0.1, 0]);
			expect(num(progressLoss(c, [0, 0, 0, 1, 1, 1], tf.tensor1d([1, 0])))).toBeCloseTo(0.01, 6);
		});
	});
	test("steps may come in any order; a trajectory without steps predicts 0", () => {
		tf.tidy(() => {
			const c = tf.tensor1d([0.5, 0.2, 0.5]);
			// traj 0: .5+.5 = 1 vs 2 → 1; traj 1: .2 vs 0 → .04; traj 2: none → 0 vs .5 → .25
			expect(num(progressLoss(c, [0, 1, 0], tf.tensor1d([2, 0, 0.5])))).toBeCloseTo((1 + 0.04 + 0.25) / 3, 6);
			const g = tf.grad((x: tf.Tensor) => progressLoss(x as tf.Tensor1D, [0, 1, 0], tf.tensor1d([2, 0, 0.5])))(c);
			// d/dc_k = 2(Σ − R)/n for each step of the trajectory
			expect(arr(g).map((x) => Number(x.toFixed(5)))).toEqual([-0.66667, 0.13333, -0.66667]);
		});
	});
});
