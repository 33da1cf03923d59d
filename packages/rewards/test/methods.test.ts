import { describe, expect, test } from "bun:test";
import { broadcastToTokens, gae, placeStepRewards, tokenGae, tokenLayout } from "@stepwise/core";
import { Effect, Result } from "effect";
import {
	buildStateGraph,
	CreditConfigError,
	CreditInputError,
	computeCredit,
	computeMix,
	creditMethods,
	gaeCredit,
	gaeDefaults,
	type MethodName,
	NO_OP_ALFWORLD,
	parseMix,
	resolveMethodConfig,
	rewardFlowDefaults,
	rewardflow,
	runCredit,
	runMix,
	toNested,
	toStepRows,
} from "../src/index.ts";
import { makeBatch, rowOf } from "./helpers.ts";

const gigpoBatch = makeBatch([
	[
		"g1",
		[
			{
				id: "A",
				steps: [
					["s0", 0, { progress: 0.2 }],
					["s1", 0, { progress: 0.3 }],
					["s2", 10, { progress: 0.5 }],
				],
				end: "terminated",
			},
			{
				id: "B",
				steps: [
					["s0", 0, { progress: 0.1 }],
					["s3", 0, { progress: -0.1, valid: false }],
				],
				end: "truncated",
			},
		],
	],
	["g2", [{ id: "C", steps: [["u0", 1, { progress: 0.4 }]], end: "terminated" }]],
]);
const rows = toStepRows(gigpoBatch);
const names = Object.keys(creditMethods) as MethodName[];

describe("step rows", () => {
	test("layout, episode returns and nesting", () => {
		expect(rows.size).toBe(6);
		expect([...rows.groupIds]).toEqual(["g1", "g2"]);
		expect(Array.from(rows.episodeReturn)).toEqual([10, 0, 1]);
		expect(Array.from(rows.terminated)).toEqual([1, 0, 1]);
		expect(toNested(rows, rows.t)).toEqual([
			[
				[0, 1, 2],
				[0, 1],
			],
			[[0]],
		]);
		expect(rows.nextAnchor[rowOf(rows, "A", 1)]).toBe("s2");
	});

	test("advantages broadcast over each row's action tokens", () => {
		const tokens = broadcastToTokens([1, 2, 3, 4, 5, 6], tokenLayout(rows));
		expect(Array.from(tokens)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
	});
});

describe("the method record", () => {
	test("every method resolves {} to its defaults and runs on a batch", () => {
		for (const name of names) {
			const resolved = resolveMethodConfig(name, {});
			expect(Result.isSuccess(resolved) && resolved.success).toEqual(creditMethods[name].defaults);
			const r = runCredit(name, rows);
			expect(Result.isSuccess(r)).toBe(true);
			if (Result.isSuccess(r)) expect(r.success.advantages.length).toBe(rows.size);
		}
	});

	test("a batch is accepted directly and flattened to the same rows", () => {
		const fromBatch = Result.getOrThrow(runCredit("gigpo", gigpoBatch)).advantages;
		expect(Array.from(fromBatch)).toEqual(Array.from(Result.getOrThrow(runCredit("gigpo", rows)).advantages));
	});

	test("a bad option is a CreditConfigError naming it", () => {
		const cases: [MethodName, unknown, string][] = [
			["gigpo", { gamma: 2 }, "gamma"],
			["gigpo", { mode: "median" }, "mode"],
			["gigpo", { similarityThreshold: 1 }, "similarityThreshold"],
			["grpo", { normaliseByStd: true }, "normaliseByStd"],
			["rewardflow", { maxIterations: 0 }, "maxIterations"],
			["rewardflow", { noOp: { actions: ["look"] } }, "noOp.actionSubstrings"],
			["spa", { groundingBonus: "half" }, "groundingBonus"],
			["gae", { lambda: -0.1 }, "lambda"],
			["rloo", 7, ""],
		];
		for (const [method, config, path] of cases) {
			const r = runCredit(method, rows, config);
			expect(Result.isFailure(r)).toBe(true);
			if (Result.isFailure(r)) {
				expect(r.failure).toBeInstanceOf(CreditConfigError);
				expect((r.failure as CreditConfigError).path).toBe(path);
				expect(r.failure.message).toContain(method);
			}
		}
	});

	test("SPA without progress estimates fails with a CreditInputError, through Effect too", () => {
		const noProgress = toStepRows(makeBatch([["g", [{ id: "x", steps: [["o", 1]], end: "terminated" }]]]));
		const r = runCredit("spa", noProgress);
		expect(Result.isFailure(r) && r.failure).toBeInstanceOf(CreditInputError);
		const err = Effect.runSync(Effect.flip(computeCredit("spa", noProgress)));
		expect(err._tag).toBe("CreditInputError");
		expect(err.message).toContain('"x"');
		expect(Result.isSuccess(runCredit("spa", noProgress, { progress: "leave-one-out" }))).toBe(true);
	});
});

describe("singleton groups (docs/credit/gigpo.md, docs/credit/README.md)", () => {
	const one = toStepRows(makeBatch([["g", [{ id: "x", steps: [["o", 3, { valid: false }]], end: "terminated" }]]]));
	test("episode level keeps the raw score; step level gives 0", () => {
		const raw = 3 - 0.1;
		expect(Result.getOrThrow(runCredit("grpo", one, { normalizeByStd: false })).advantages[0]).toBe(raw);
		const std = Result.getOrThrow(runCredit("grpo", one)).advantages[0] as number;
		expect(std).toBeCloseTo(raw / (1 + 1e-6), 12);
		expect(Result.getOrThrow(runCredit("rloo", one)).advantages[0]).toBe(raw);
		const g = Result.getOrThrow(runCredit("gigpo", one));
		expect(g.parts?.step?.[0]).toBe(0);
		expect(g.advantages[0]).toBe(raw);
	});
});

describe("GAE", () => {
	test("hand-computed sequence", () => {
		const { advantages, returns } = gae([1, 0, 2], [0.5, 0.2, 0.1], [0, 3], { gamma: 0.9, lambda: 0.8 });
		[1.58576, 1.258, 1.9].forEach((v, i) => {
			expect(advantages[i]).toBeCloseTo(v, 10);
		});
		[2.08576, 1.458, 2.0].forEach((v, i) => {
			expect(returns[i]).toBeCloseTo(v, 10);
		});
	});

	test("verl-agent PPO: each row its own sequence, the row score on it, A = e − V", () => {
		const values = [1, 2, 3, 4, 5, 6];
		const r = gaeCredit(rows, { ...gaeDefaults, rewards: "episode", sequence: "row", whiten: false }, { values });
		const e = [10, 10, 10, 0, -0.1, 1];
		e.forEach((x, i) => {
			expect(r.advantages[i]).toBeCloseTo(x - (values[i] as number), 12);
		});
	});

	test("step level over trajectories without a critic sums discounted rewards; whitening centres", () => {
		const r = gaeCredit(rows, { ...gaeDefaults, gamma: 0.5, whiten: false });
		expect(Array.from(r.advantages)).toEqual([2.5, 5, 10, 0 - 0.05, -0.1, 1]);
		const w = gaeCredit(rows, { ...gaeDefaults, gamma: 0.5 }).advantages;
		expect(Math.abs(w.reduce((a, b) => a + b, 0))).toBeLessThan(1e-12);
	});

	// the gae method returns per-row values only; its token-level numbers are core's placement + GAE
	const tokenAdvantages = (c: { readonly lambda: number; readonly sequence: "trajectory" | "row" }) => {
		const rewards = gaeCredit(rows, gaeDefaults).stepRewards as Float64Array;
		const zeros = new Float64Array(tokenLayout(rows)[rows.size] as number);
		return tokenGae(rows, rewards, zeros, { ...c, gamma: 1 }).advantages;
	};

	test("token level: rewards on each action's last token; row advantage = its first token's", () => {
		const r = gaeCredit(rows, { ...gaeDefaults, level: "token", whiten: false });
		const tok = tokenAdvantages({ lambda: 1, sequence: "trajectory" });
		expect(tok.length).toBe(12);
		expect(Array.from(tok.subarray(0, 6))).toEqual([10, 10, 10, 10, 10, 10]);
		expect(r.advantages[0]).toBe(10);
		const wrong = runCredit("gae", rows, { level: "token" }, { tokenValues: [1, 2] });
		expect(Result.isFailure(wrong) && wrong.failure).toBeInstanceOf(CreditInputError);
	});

	test("token level: the recursion crosses step boundaries in a trajectory, not between rows in row mode", () => {
		// trajectory A: three steps of two tokens, reward 10 on the very last token; γ = 1, λ = 0.5, V = 0
		const traj = tokenAdvantages({ lambda: 0.5, sequence: "trajectory" });
		expect(Array.from(traj.subarray(0, 6))).toEqual([10 / 32, 10 / 16, 10 / 8, 10 / 4, 10 / 2, 10]);
		const c = { ...gaeDefaults, level: "token" as const, lambda: 0.5, whiten: false };
		expect(Array.from(gaeCredit(rows, c).advantages.subarray(0, 3))).toEqual([10 / 32, 10 / 8, 10 / 2]);
		const perRow = tokenAdvantages({ lambda: 0.5, sequence: "row" });
		expect(Array.from(perRow.subarray(0, 6))).toEqual([0, 0, 0, 0, 5, 10]);
		expect(Array.from(gaeCredit(rows, { ...c, sequence: "row" }).advantages.subarray(0, 3))).toEqual([0, 0, 5]);
	});

	test("SPA's advantage option: the reward itself or its discounted return", () => {
		const r = Result.getOrThrow(runCredit("spa", rows)).stepRewards as Float64Array;
		const ret = Result.getOrThrow(runCredit("spa", rows, { advantage: "return", gamma: 0.5 })).advantages;
		expect(ret[2]).toBeCloseTo(r[2] as number, 12);
		expect(ret[0]).toBeCloseTo((r[0] as number) + 0.5 * (r[1] as number) + 0.25 * (r[2] as number), 12);
		expect(Array.from(Result.getOrThrow(runCredit("spa", rows)).advantages)).toEqual(Array.from(r));
	});

	test("a row without tokens hands its reward to its neighbours", () => {
		const r = toStepRows(
			makeBatch([
				[
					"g",
					[
						{
							id: "x",
							steps: [
								["a", 1, { tokens: 0 }],
								["b", 2, { tokens: 2 }],
								["c", 3, { tokens: 0 }],
								["d", 4, { tokens: 1 }],
							],
							end: "terminated",
						},
					],
				],
			]),
		);
		expect(Array.from(placeStepRewards(r, [1, 2, 3, 4]))).toEqual([1, 5, 4]);
	});
});

describe("RewardFlow cleaning and limits", () => {
	// B --bad--> "Nothing happens." --go--> B is an invalid detour, then B --finish--> WIN.
	const detour = toStepRows(
		makeBatch([
			[
				"g",
				[
					{
						id: "x",
						steps: [
							["A", 0, { action: "go to b" }],
							["B", 0, { action: "bad", valid: false }],
							["Nothing happens.", 0, { action: "look" }],
							["B", 0, { action: "finish" }],
							["C", 10, { action: "put" }],
						],
						end: "terminated",
						final: "WIN",
					},
				],
			],
		]),
	);

	test("ALFWorld rule: no-op runs are contracted and 'Nothing happens' states stay off the graph", () => {
		const g = buildStateGraph(detour, 0, { ...rewardFlowDefaults, noOp: NO_OP_ALFWORLD });
		const edges = g.edges.map(([s, d]) => `${g.nodes[s]}→${g.nodes[d]}`);
		expect(edges).toEqual(["A→B", "B→C", "C→WIN"]);
		expect(g.value[g.id.get("Nothing happens.") as number]).toBe(0);
		const r = rewardflow(detour, { ...rewardFlowDefaults, noOp: NO_OP_ALFWORLD }).stepRewards as Float64Array;
		// −V(B) for the invalid step (and its penalty), +V(B) for the step back
		expect(r[1]).toBeCloseTo(-8.1 - 0.1, 12);
		expect(r[2]).toBeCloseTo(8.1, 12);
	});

	test("default rule: only self-loops go, so the detour state gets a value", () => {
		const g = buildStateGraph(detour, 0, rewardFlowDefaults);
		expect(g.edges.length).toBe(5);
		expect(g.value[g.id.get("Nothing happens.") as number]).toBeCloseTo(0.9 * 8.1, 12);
	});

	test("maxSteps: an episode ending on the limit keeps its env reward on the last step (verl-agent buffer)", () => {
		const last = rowOf(detour, "x", 4);
		expect((rewardflow(detour).stepRewards as Float64Array)[last]).toBeCloseTo(1, 12);
		expect((rewardflow(detour, { ...rewardFlowDefaults, maxSteps: 5 }).stepRewards as Float64Array)[last]).toBe(10);
	});
});

describe("mixing", () => {
	test("0.5·gigpo + 0.5·spa is the weighted sum of the two advantages", () => {
		const spec = Result.getOrThrow(parseMix("0.5*gigpo + 0.5·spa"));
		expect(spec).toEqual([
			{ method: "gigpo", weight: 0.5 },
			{ method: "spa", weight: 0.5 },
		]);
		const mixed = Result.getOrThrow(runMix(rows, spec));
		const a = Result.getOrThrow(runCredit("gigpo", rows)).advantages;
		const b = Result.getOrThrow(runCredit("spa", rows)).advantages;
		for (let i = 0; i < rows.size; i++)
			expect(mixed.advantages[i]).toBeCloseTo(0.5 * (a[i] as number) + 0.5 * (b[i] as number), 12);
		expect(mixed.components.map((c) => c.method)).toEqual(["gigpo", "spa"]);
	});

	test("configs travel with the terms; bad mixes are named errors", () => {
		const viaData = Effect.runSync(
			computeMix(rows, [{ method: "gigpo", weight: 1, config: { mode: "mean_std_norm" } }]),
		).advantages;
		expect(Array.from(viaData)).toEqual(
			Array.from(Result.getOrThrow(runCredit("gigpo", rows, { mode: "mean_std_norm" })).advantages),
		);
		const unknown = Effect.runSync(Effect.flip(computeMix(rows, "0.5*gipgo")));
		expect(unknown._tag).toBe("CreditConfigError");
		const badTerm = Effect.runSync(Effect.flip(computeMix(rows, "half of gigpo")));
		expect(badTerm.message).toContain("half of gigpo");
		const badConfig = Effect.runSync(
			Effect.flip(computeMix(rows, [{ method: "spa", weight: 1, config: { gamma: 3 } }])),
		);
		expect(badConfig._tag === "CreditConfigError" && badConfig.path).toBe("gamma");
		expect(Result.isFailure(parseMix(""))).toBe(true);
	});
});

describe("mix text with per-term options", () => {
	test("`1*gigpo + 0.5*spa{advantage=return,gamma=0.95}` carries SPA's options; a bad option is refused, named", () => {
		const spec = Result.getOrThrow(parseMix("1*gigpo + 0.5*spa{advantage=return, gamma=0.95}"));
		expect(spec).toEqual([
			{ method: "gigpo", weight: 1 },
			{ method: "spa", weight: 0.5, config: { advantage: "return", gamma: 0.95 } },
		]);
		expect(Result.isFailure(parseMix("0.5*spa{advantage}"))).toBe(true);
		const rows = toStepRows(
			makeBatch([
				[
					"g",
					[
						{
							id: "a",
							steps: [
								["s", 0, { progress: 0.2 }],
								["t", 1, { progress: 0.8 }],
							],
							end: "terminated",
						},
					],
				],
			]),
		);
		const mixed = Result.getOrThrow(runMix(rows, spec));
		const ret = Result.getOrThrow(runCredit("spa", rows, { advantage: "return", gamma: 0.95 })).advantages;
		const gig = Result.getOrThrow(runCredit("gigpo", rows)).advantages;
		expect(mixed.advantages[0]).toBeCloseTo((gig[0] as number) + 0.5 * (ret[0] as number), 12);
		const bad = Result.flatMap(parseMix("1*spa{gama=0.9}"), (s) => runMix(rows, s));
		expect(Result.isFailure(bad) ? bad.failure.message : "").toContain("gama");
	});
});
