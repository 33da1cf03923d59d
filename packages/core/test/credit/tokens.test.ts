import { describe, expect, test } from "bun:test";
import { broadcastToTokens, gae, placeStepRewards, tokenGae, whiten } from "../../src/credit/index.ts";

/** Rows of two trajectories: [2 tokens] [0] [3] | [0] [1] (what placement reads of `StepRows`). */
const rows = {
	size: 5,
	traj: Int32Array.from([0, 0, 0, 1, 1]),
	trajStart: Int32Array.from([0, 3, 5]),
	responseLen: Int32Array.from([2, 0, 3, 0, 1]),
};

describe("gae", () => {
	test("γ = λ = 1: advantage = outcome − V inside each sequence, no bootstrapping across sequences", () => {
		const r = gae([0, 0, 1, 0, 1], [0.5, 0.6, 0.7, 0.2, 0.4], [0, 3, 5], { gamma: 1, lambda: 1 });
		expect(Array.from(r.advantages).map((x) => Number(x.toFixed(6)))).toEqual([0.5, 0.4, 0.3, 0.8, 0.6]);
		expect(Array.from(r.returns).map((x) => Number(x.toFixed(6)))).toEqual([1, 1, 1, 1, 1]);
	});
	test("γ = 0.9, λ = 0.5 by hand", () => {
		const r = gae([0, 1], [0.2, 0.4], [0, 2], { gamma: 0.9, lambda: 0.5 });
		// t=1: δ = 1 − .4 = .6; t=0: δ = .9·.4 − .2 = .16, A = .16 + .45·.6 = .43
		expect(r.advantages[1]).toBeCloseTo(0.6, 10);
		expect(r.advantages[0]).toBeCloseTo(0.43, 10);
		expect(r.returns[0]).toBeCloseTo(0.63, 10);
	});
	test("rewards and values must have one length", () => {
		expect(() => gae([0, 1], [0.2], [0, 2], { gamma: 1, lambda: 1 })).toThrow(RangeError);
	});
});

describe("placeStepRewards", () => {
	test("each step's reward lands on its last token; a token-less step hands it to a neighbour of its sequence", () => {
		// the second trajectory starts with a token-less step: its reward waits for the next step's first token
		expect(Array.from(placeStepRewards(rows, [1, 0.5, 2, 7, 3]))).toEqual([0, 1.5, 0, 0, 2, 10]);
	});
	test("a reward never leaves its sequence: with one sequence per row a token-less row's reward is dropped", () => {
		const perRow = Int32Array.from([0, 1, 2, 3, 4, 5]);
		expect(Array.from(placeStepRewards(rows, [1, 0.5, 2, 7, 3], { sequenceStart: perRow }))).toEqual([
			0, 1, 0, 0, 2, 3,
		]);
	});
	test("StepTool weights (K − 1 − k) count steps within the trajectory", () => {
		expect(Array.from(placeStepRewards(rows, [1, 1, 1, 1, 1], { weighting: "steptool" }))).toEqual([0, 3, 0, 0, 0, 1]);
	});
});

describe("tokenGae", () => {
	test("PPO's token credit: rewards placed within each sequence, GAE over its tokens", () => {
		const zeros = new Float64Array(6);
		const traj = tokenGae(rows, [1, 0.5, 2, 7, 3], zeros, { sequence: "trajectory", gamma: 1, lambda: 0.5 });
		expect(Array.from(traj.rewards)).toEqual([0, 1.5, 0, 0, 2, 10]);
		// trajectory 0: tokens 0..4, rewards 1.5 at 1 and 2 at 4; λ = 0.5 halves them per token back
		expect(Array.from(traj.advantages)).toEqual([0.75 + 2 / 16, 1.5 + 2 / 8, 2 / 4, 2 / 2, 2, 10]);
		const perRow = tokenGae(rows, [1, 0.5, 2, 7, 3], zeros, { sequence: "row", gamma: 1, lambda: 0.5 });
		expect(Array.from(perRow.advantages)).toEqual([0.5, 1, 0.5, 1, 2, 3]);
	});
});

describe("broadcastToTokens / whiten", () => {
	test("a row's value covers its tokens; token-less rows cover none", () => {
		expect(Array.from(broadcastToTokens([1, 2, 3, 4, 5], [0, 2, 2, 5, 5, 6]))).toEqual([1, 1, 3, 3, 3, 5]);
	});
	test("whiten gives mean 0 and unbiased variance ≈ 1; one entry is only centred", () => {
		const w = whiten([1, 2, 3, 4]);
		expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 10);
		expect(w.reduce((a, b) => a + b * b, 0) / 3).toBeCloseTo(1, 6);
		expect(Array.from(whiten([5]))).toEqual([0]);
		expect(Array.from(whiten([]))).toEqual([]);
	});
});
