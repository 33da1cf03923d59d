import { describe, expect, test } from "bun:test";
import { placeStepRewards } from "@stepwise/core";
import { Result } from "effect";
import {
	buildStateGraph,
	gaeCredit,
	gaeDefaults,
	gigpo,
	gigpoDefaults,
	grpo,
	grpoDefaults,
	parseMix,
	progressLoss,
	rewardFlowDefaults,
	rewardflow,
	rloo,
	rlooDefaults,
	runMix,
	spa,
	spaDefaults,
	toStepRows,
} from "../src/index.ts";
import { makeBatch, rowOf, type TrajSpec } from "./helpers.ts";

const close = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThan(1e-4);

// docs/credit/gigpo.md: one group, ω = 1, γ = 0.95, R = 10 for success.
const gigpoTrajs = (dInvalid = false): TrajSpec[] => [
	{
		id: "A",
		steps: [
			["s0", 0],
			["s1", 0],
			["s2", 10],
		],
		end: "terminated",
	},
	{
		id: "B",
		steps: [
			["s0", 0],
			["s1", 0],
			["s3", 0],
		],
		end: "truncated",
	},
	{
		id: "C",
		steps: [
			["s0", 0],
			["s2", 10],
		],
		end: "terminated",
	},
	{
		id: "D",
		steps: [
			["s0", 0],
			["s3", 0],
			["s3", 0, { valid: !dInvalid }],
		],
		end: "truncated",
	},
];

describe("GiGPO worked example (docs/credit/gigpo.md)", () => {
	const rows = toStepRows(makeBatch([["g", gigpoTrajs()]]));
	const at = (id: string, t: number) => rowOf(rows, id, t);

	test("step returns", () => {
		const { parts } = gigpo(rows);
		const G = parts?.stepReturn as Float64Array;
		[9.025, 9.5, 10].forEach((v, t) => {
			close(G[at("A", t)] as number, v);
		});
		[9.5, 10].forEach((v, t) => {
			close(G[at("C", t)] as number, v);
		});
		for (const id of ["B", "D"]) for (let t = 0; t < 3; t++) expect(G[at(id, t)]).toBe(0);
	});

	test("A) mean_norm, no invalid actions", () => {
		const { advantages: A, parts } = gigpo(rows, { ...gigpoDefaults, mode: "mean_norm" });
		const E = parts?.episode as Float64Array;
		const S = parts?.step as Float64Array;
		const table: [string, number, number, number, number][] = [
			["A", 0, 5.4545, 4.39375, 9.8483],
			["A", 1, 5.4545, 4.75, 10.2045],
			["A", 2, 5.4545, 0, 5.4545],
			["B", 0, -4.5455, -4.63125, -9.1767],
			["B", 1, -4.5455, -4.75, -9.2955],
			["B", 2, -4.5455, 0, -4.5455],
			["C", 0, 5.4545, 4.86875, 10.3233],
			["C", 1, 5.4545, 0, 5.4545],
			["D", 0, -4.5455, -4.63125, -9.1767],
			["D", 1, -4.5455, 0, -4.5455],
			["D", 2, -4.5455, 0, -4.5455],
		];
		for (const [id, t, ae, as, a] of table) {
			close(E[at(id, t)] as number, ae);
			close(S[at(id, t)] as number, as);
			close(A[at(id, t)] as number, a);
		}
	});

	test("A) the paper's trajectory-level episode term gives ±5.0", () => {
		const { parts } = gigpo(rows, { ...gigpoDefaults, episodeStatistics: "trajectories" });
		const E = parts?.episode as Float64Array;
		close(E[at("A", 0)] as number, 5);
		close(E[at("B", 2)] as number, -5);
	});

	test("B) mean_std_norm, same data", () => {
		const { advantages: A, parts } = gigpo(rows, { ...gigpoDefaults, mode: "mean_std_norm" });
		const E = parts?.episode as Float64Array;
		const S = parts?.step as Float64Array;
		for (const id of ["A", "C"]) close(E[at(id, 0)] as number, 1.0445);
		for (const id of ["B", "D"]) close(E[at(id, 0)] as number, -0.8704);
		close(S[at("A", 0)] as number, 0.8211);
		close(S[at("C", 0)] as number, 0.9098);
		close(S[at("B", 0)] as number, -0.8655);
		close(S[at("D", 0)] as number, -0.8655);
		close(S[at("A", 1)] as number, Math.SQRT1_2); // spec: +0.7071
		close(S[at("B", 1)] as number, -Math.SQRT1_2); // spec: −0.7071
		close(A[at("A", 0)] as number, 1.8655);
		close(A[at("A", 1)] as number, 1.7516);
		close(A[at("C", 0)] as number, 1.9543);
		close(A[at("B", 1)] as number, -1.5775);
	});

	test("B) with D2 invalid (p = 0.1)", () => {
		const r = toStepRows(makeBatch([["g", gigpoTrajs(true)]]));
		const { advantages: A, parts } = gigpo(r, { ...gigpoDefaults, mode: "mean_std_norm", invalidPenalty: 0.1 });
		const E = parts?.episode as Float64Array;
		const S = parts?.step as Float64Array;
		close(E[rowOf(r, "A", 0)] as number, 1.0444);
		close(E[rowOf(r, "C", 1)] as number, 1.0444);
		close(E[rowOf(r, "B", 0)] as number, -0.8672);
		close(E[rowOf(r, "D", 1)] as number, -0.8672);
		close(E[rowOf(r, "D", 2)] as number, -0.8863);
		close(S[rowOf(r, "B", 2)] as number, 0.5773);
		close(S[rowOf(r, "D", 1)] as number, 0.5773);
		close(S[rowOf(r, "D", 2)] as number, -1.1547);
		close(A[rowOf(r, "D", 2)] as number, -2.041);
	});

	test("C) GRPO and RLOO on the same rows", () => {
		const g = grpo(rows, grpoDefaults).advantages;
		const l = rloo(rows).advantages;
		for (const id of ["A", "C"]) {
			close(g[at(id, 0)] as number, 1.0445);
			close(l[at(id, 0)] as number, 6.0);
		}
		for (const id of ["B", "D"]) {
			close(g[at(id, 1)] as number, -0.8704);
			close(l[at(id, 1)] as number, -5.0);
		}
		const paper = rloo(rows, { ...rlooDefaults, statistics: "trajectories" }).advantages;
		close(paper[at("A", 2)] as number, 6.6667);
		close(paper[at("D", 0)] as number, -6.6667);
	});
});

describe("RewardFlow worked example (docs/credit/rewardflow.md)", () => {
	// γ = 0.9, max_steps = 4; A succeeds at t = 2 (terminal G), B is truncated, C is stuck in s5.
	const rows = toStepRows(
		makeBatch([
			[
				"g",
				[
					{
						id: "A",
						steps: [
							["s0", 0],
							["s1", 0],
							["s2", 10],
						],
						end: "terminated",
						final: "G",
					},
					{
						id: "B",
						steps: [
							["s0", 0],
							["s3", 0],
							["s1", 0],
							["s4", 0],
						],
						end: "truncated",
						final: "s9",
					},
					{
						id: "C",
						steps: [
							["s0", 0],
							["s5", 0],
							["s5", 0],
							["s5", 0],
						],
						end: "truncated",
						final: "s5",
					},
				],
			],
		]),
	);
	const at = (id: string, t: number) => rowOf(rows, id, t);
	const config = { ...rewardFlowDefaults, gamma: 0.9, maxSteps: 4 };

	test("edges and values", () => {
		const g = buildStateGraph(rows, 0, config);
		const edges = g.edges.map(([s, d]) => `${g.nodes[s]}→${g.nodes[d]}`).sort();
		expect(edges).toEqual(["s0→s1", "s0→s3", "s0→s5", "s1→s2", "s1→s4", "s2→G", "s3→s1"].sort());
		const V = (k: string) => g.value[g.id.get(k) as number] as number;
		close(V("G"), 10);
		close(V("s2"), 9);
		close(V("s1"), 8.1);
		close(V("s3"), 7.29);
		close(V("s0"), 7.29);
		expect(V("s4")).toBe(0);
		expect(V("s5")).toBe(0);
	});

	test("step rewards r̃", () => {
		const r = rewardflow(rows, config).stepRewards as Float64Array;
		[0.81, 0.9, 1.0].forEach((v, t) => {
			close(r[at("A", t)] as number, v);
		});
		[0, 0.81, -8.1, 0].forEach((v, t) => {
			close(r[at("B", t)] as number, v);
		});
		[-7.29, 0, 0, 0].forEach((v, t) => {
			close(r[at("C", t)] as number, v);
		});
	});

	test("advantages", () => {
		const { advantages: A, parts } = rewardflow(rows, config);
		const E = parts?.episode as Float64Array;
		const S = parts?.step as Float64Array;
		close(E[at("A", 0)] as number, 7.2727);
		close(E[at("B", 0)] as number, -2.7273);
		close(S[at("A", 0)] as number, 2.97);
		close(S[at("B", 0)] as number, 2.16);
		close(S[at("C", 0)] as number, -5.13);
		close(S[at("A", 1)] as number, 4.5);
		close(S[at("B", 2)] as number, -4.5);
		[10.2427, 11.7727, 7.2727].forEach((v, t) => {
			close(A[at("A", t)] as number, v);
		});
		[-0.5673, -2.7273, -7.2273, -2.7273].forEach((v, t) => {
			close(A[at("B", t)] as number, v);
		});
		[-7.8573, -2.7273, -2.7273, -2.7273].forEach((v, t) => {
			close(A[at("C", t)] as number, v);
		});
	});
});

describe("SPA worked examples (docs/credit/spa.md)", () => {
	test("progress-estimator loss", () => {
		close(progressLoss([[0.1, 0.3, 0.5]], [1]), 0.01);
		close(progressLoss([[0.2, -0.1, 0.0]], [0]), 0.01);
		close(
			progressLoss(
				[
					[0.1, 0.3, 0.5],
					[0.2, -0.1, 0.0],
				],
				[1, 0],
			),
			0.01,
		);
	});

	const rows = toStepRows(
		makeBatch([
			[
				"g",
				[
					{
						id: "T",
						steps: [
							["o0", 0, { progress: 0.0 }],
							["o1", 0, { progress: 0.2, valid: false }],
							["o2", 0, { progress: 0.3 }],
							["o3", 1, { progress: 0.5 }],
						],
						end: "terminated",
					},
				],
			],
		]),
	);

	const bonus = { ...spaDefaults, groundingPayment: "bonus" as const };

	test("released data preparation's reward r = c + g·[grounded]", () => {
		const r = spa(rows, bonus).stepRewards as Float64Array;
		[0.5, 0.2, 0.8, 1.0].forEach((v, k) => {
			close(r[k] as number, v);
		});
	});

	test("centred grounding (the default) r = c − g·[not grounded]: the same 0.5 between the invalid step and the others", () => {
		const r = spa(rows).stepRewards as Float64Array;
		[0.0, -0.3, 0.3, 0.5].forEach((v, k) => {
			close(r[k] as number, v);
		});
	});

	test("the last turn is grounded even when invalid (released code), not with the option off", () => {
		const last = toStepRows(
			makeBatch([["g", [{ id: "T", steps: [["o0", 0, { progress: 0.4, valid: false }]], end: "truncated" }]]]),
		);
		close((spa(last, bonus).stepRewards as Float64Array)[0] as number, 0.9);
		close((spa(last, { ...bonus, lastStepAlwaysGrounded: false }).stepRewards as Float64Array)[0] as number, 0.4);
		close((spa(last).stepRewards as Float64Array)[0] as number, 0.4);
		close(
			(spa(last, { ...spaDefaults, lastStepAlwaysGrounded: false }).stepRewards as Float64Array)[0] as number,
			-0.1,
		);
	});

	test("turn-end injection with StepTool weights (K−1−k)", () => {
		const r = spa(rows, bonus).stepRewards as Float64Array;
		const tokens = placeStepRewards(rows, r, { weighting: "steptool" });
		// two tokens per step; the reward sits on each step's last token
		const ends = [1, 3, 5, 7].map((i) => tokens[i] as number);
		[1.5, 0.4, 0.8, 0.0].forEach((v, k) => {
			close(ends[k] as number, v);
		});
		for (const i of [0, 2, 4, 6]) expect(tokens[i]).toBe(0);
	});

	test("released-code leave-one-out v", () => {
		const r = toStepRows(
			makeBatch([
				[
					"task",
					[
						{
							id: "x",
							steps: [
								["o", 0],
								["p", 1],
							],
							end: "terminated",
						},
						{ id: "y", steps: [["o", 0]], end: "truncated" },
						{ id: "z", steps: [["o", 0.5]], end: "terminated" },
					],
				],
			]),
		);
		const v = spa(r, { ...spaDefaults, progress: "leave-one-out", groundingBonus: 0 }).stepRewards as Float64Array;
		close(v[rowOf(r, "x", 0)] as number, 0.75);
		close(v[rowOf(r, "x", 1)] as number, 0.75);
		close(v[rowOf(r, "y", 0)] as number, -0.75);
		close(v[rowOf(r, "z", 0)] as number, 0);
	});
});

// The worked examples of docs/credit/gae.md and docs/credit/mix.md.
describe("GAE worked example (docs/credit/gae.md)", () => {
	const rows = toStepRows(
		makeBatch([
			[
				"g",
				[
					{
						id: "T",
						steps: [
							["s0", 0],
							["s1", 0],
							["s2", 1],
						],
						end: "terminated",
					},
				],
			],
		]),
	);
	const values = [0.5, 0.6, 0.8];

	test("γ = λ = 1 (the default): the advantage is the return minus the value", () => {
		const r = gaeCredit(rows, { ...gaeDefaults, whiten: false }, { values });
		[0.5, 0.4, 0.2].forEach((v, t) => {
			close(r.advantages[t] as number, v);
		});
		[1, 1, 1].forEach((v, t) => {
			close((r.returns as Float64Array)[t] as number, v);
		});
	});

	test("γ = 0.9, λ = 0.5", () => {
		const r = gaeCredit(rows, { ...gaeDefaults, gamma: 0.9, lambda: 0.5, whiten: false }, { values });
		[0.1345, 0.21, 0.2].forEach((v, t) => {
			close(r.advantages[t] as number, v);
		});
		[0.6345, 0.81, 1.0].forEach((v, t) => {
			close((r.returns as Float64Array)[t] as number, v);
		});
	});

	test("whitened (the default): centred and divided by the sample standard deviation over the batch", () => {
		const a = gaeCredit(rows, gaeDefaults, { values }).advantages;
		// (0.5, 0.4, 0.2): mean 0.3667, sample std 0.1528
		[0.8729, 0.2182, -1.0911].forEach((v, t) => {
			close(a[t] as number, v);
		});
	});
});

describe("mix worked example (docs/credit/mix.md)", () => {
	test("0.5*gigpo + 0.5*grpo on the GiGPO example's rows is the mean of the two advantages", () => {
		const rows = toStepRows(makeBatch([["g", gigpoTrajs()]]));
		const spec = parseMix("0.5*gigpo + 0.5*grpo");
		if (Result.isFailure(spec)) throw new Error(spec.failure.message);
		const mixed = runMix(rows, spec.success);
		if (Result.isFailure(mixed)) throw new Error(mixed.failure.message);
		const a = mixed.success.advantages;
		close(a[rowOf(rows, "A", 0)] as number, 0.5 * 9.8483 + 0.5 * 1.0445);
		close(a[rowOf(rows, "B", 1)] as number, 0.5 * -9.2955 + 0.5 * -0.8704);
		close(a[rowOf(rows, "C", 0)] as number, 0.5 * 10.3233 + 0.5 * 1.0445);
	});
});
