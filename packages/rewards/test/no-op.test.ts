import { describe, expect, test } from "bun:test";
import {
	gigpo,
	gigpoDefaults,
	grpo,
	grpoDefaults,
	isNoOp,
	rloo,
	rlooDefaults,
	rowPenalty,
	rowScores,
	spa,
	spaDefaults,
	toStepRows,
} from "../src/index.ts";
import { makeBatch, rowOf, type TrajSpec } from "./helpers.ts";

const close = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThan(1e-9);

// A bumps into a wall at s0 (the state stays s0), then wins; B walks s0 → s1 → s2 and is cut off.
const trajs: TrajSpec[] = [
	{
		id: "A",
		steps: [
			["s0", -0.1],
			["s0", 10],
		],
		end: "terminated",
		final: "goal",
	},
	{
		id: "B",
		steps: [
			["s0", -0.1],
			["s1", -0.1],
		],
		end: "truncated",
		final: "s2",
	},
];
const rows = toStepRows(makeBatch([["g", trajs]]));
const A0 = rowOf(rows, "A", 0);
const A1 = rowOf(rows, "A", 1);
const B0 = rowOf(rows, "B", 0);
const B1 = rowOf(rows, "B", 1);

describe("no-op steps (state unchanged)", () => {
	test("a step whose next state equals its state is a no-op; an invalid one pays p + p₀", () => {
		expect([A0, A1, B0, B1].map((i) => isNoOp(rows, i))).toEqual([true, false, false, false]);
		const invalid = toStepRows(
			makeBatch([["g", [{ id: "C", steps: [["s0", -0.1, { valid: false }]], end: "open", final: "s0" }]]]),
		);
		expect(isNoOp(invalid, 0)).toBe(true);
		// malformed output must never be cheaper than a legal no-op
		expect(rowPenalty(invalid, 0, { invalidPenalty: 0.1, noOpPenalty: 1 })).toBe(1.1);
		expect(rowPenalty(invalid, 0, { invalidPenalty: 0.1 })).toBe(0.1);
		expect(rowPenalty(rows, A0, { invalidPenalty: 0.1, noOpPenalty: 1 })).toBe(1);
		expect(rowPenalty(rows, A0, { invalidPenalty: 0.1 })).toBe(0);
		const keyless = toStepRows(makeBatch([["g", [{ id: "D", steps: [["", 0]], end: "open", final: "" }]]]));
		expect(isNoOp(keyless, 0)).toBe(false);
	});

	test("GiGPO with p₀ = 1 (hand-computed, γ = 0.5, mean_norm, row statistics)", () => {
		// R(A) = 9.9, R(B) = −0.2; row scores 8.9 (A0 − p₀), 9.9, −0.2, −0.2 → mean 4.6
		// step returns: A0 −0.1 + 0.5·10 = 4.9 (q = 3.9), A1 10, B0 −0.15, B1 −0.1 (alone at s1)
		// anchor s0 = {A0, A1, B0}: mean q = 13.75 / 3
		const { advantages, parts } = gigpo(rows, { ...gigpoDefaults, gamma: 0.5, noOpPenalty: 1 });
		const E = parts?.episode as Float64Array;
		const S = parts?.step as Float64Array;
		close(E[A0] as number, 4.3);
		close(E[A1] as number, 5.3);
		close(E[B0] as number, -4.8);
		close(E[B1] as number, -4.8);
		close(S[A0] as number, 3.9 - 13.75 / 3);
		close(S[A1] as number, 10 - 13.75 / 3);
		close(S[B0] as number, -0.15 - 13.75 / 3);
		close(S[B1] as number, 0);
		close(advantages[A0] as number, 4.3 + 3.9 - 13.75 / 3);
	});

	test("p₀ = 0 (the default) is verl-agent's GiGPO: the bump costs only its step of delay", () => {
		const { advantages } = gigpo(rows, { ...gigpoDefaults, gamma: 0.5 });
		// row scores 9.9, 9.9, −0.2, −0.2 → mean 4.85; anchor s0 mean q = (4.9 + 10 − 0.15) / 3
		close(advantages[A0] as number, 5.05 + 4.9 - 14.75 / 3);
		expect(gigpoDefaults.noOpPenalty).toBe(0);
	});

	test("GRPO and RLOO charge p₀ in the row score", () => {
		expect([...rowScores(rows, { invalidPenalty: 0.1, noOpPenalty: 1 })]).toEqual([8.9, 9.9, -0.2, -0.2]);
		// mean 4.6: GRPO without σ gives e − μ; RLOO over 4 rows gives 4/3·(e − μ)
		close(grpo(rows, { ...grpoDefaults, normalizeByStd: false, noOpPenalty: 1 }).advantages[A0] as number, 4.3);
		close(rloo(rows, { ...rlooDefaults, noOpPenalty: 1 }).advantages[A0] as number, (4 / 3) * 4.3);
	});

	test("SPA: effective grounding withholds the bonus from a no-op; p₀ is charged", () => {
		const progress = rows.reward.map(() => 0);
		const withProgress = { ...rows, progress: Float64Array.from(progress) };
		const bonus = { ...spaDefaults, groundingPayment: "bonus" as const };
		const valid = spa(withProgress, bonus).stepRewards as Float64Array;
		const effective = spa(withProgress, { ...bonus, grounding: "effective", noOpPenalty: 1 })
			.stepRewards as Float64Array;
		expect([...valid]).toEqual([0.5, 0.5, 0.5, 0.5]);
		expect([...effective]).toEqual([-1, 0.5, 0.5, 0.5]);
		// centred (the default): the no-op loses g instead of missing it, the grounded steps earn 0
		const centred = spa(withProgress, { ...spaDefaults, grounding: "effective", noOpPenalty: 1 })
			.stepRewards as Float64Array;
		expect([...centred]).toEqual([-1.5, 0, 0, 0]);
	});
});
