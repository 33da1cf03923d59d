import { describe, expect, test } from "bun:test";
import { placeStepRewards } from "@stepwise/core";
import { discountedReturns, spa, spaDefaults, spaReleased, toStepRows } from "../src/index.ts";
import { makeBatch, type StepSpec, type TrajSpec } from "./helpers.ts";

/**
 * A policy that does nothing useful, as Sokoban sees it: it walks back and forth between two cells
 * (every move valid and changing the state, no progress: c = 0) or bumps into a wall (valid, state
 * unchanged), until the step limit truncates the episode with R = 0.
 */
const pacing = (id: string, length: number): TrajSpec => ({
	id,
	steps: Array.from({ length }, (_, t): StepSpec => [t % 2 === 0 ? "left" : "right", 0, { progress: 0 }]),
	end: "truncated",
	final: length % 2 === 0 ? "left" : "right",
});
const bumping = (id: string, length: number): TrajSpec => ({
	id,
	steps: Array.from({ length }, (): StepSpec => ["wall", 0, { progress: 0 }]),
	end: "truncated",
	final: "wall",
});
/** A short win: three steps of progress summing to the outcome 1. */
const win: TrajSpec = {
	id: "win",
	steps: [
		["a", 0, { progress: 0.3 }],
		["b", 0, { progress: 0.3 }],
		["c", 1, { progress: 0.4 }],
	],
	end: "terminated",
	final: "goal",
};

/** The SPA return (γ = 0.99, as its PPO) of each trajectory's first step, by trajectory id. */
const returnsOf = (trajs: ReadonlyArray<TrajSpec>, config = spaDefaults): Record<string, number> => {
	const rows = toStepRows(makeBatch([["g", trajs]]));
	const r = spa(rows, config).stepRewards as Float64Array;
	const weighted =
		config.weighting === "steptool"
			? // the trainer's placement: (K − 1 − k)·r_k, summed per step (one token each here)
				placeStepRewards(rows, r, { weighting: "steptool" }).filter((_, i) => i % 2 === 1)
			: r;
	const G = discountedReturns(rows, weighted, 0.99);
	return Object.fromEntries(rows.trajIds.map((id, k) => [id, G[rows.trajStart[k] as number] as number]));
};

describe("SPA with a do-nothing policy", () => {
	const lengths = [3, 6, 10, 15];
	const doNothing = lengths.flatMap((n) => [pacing(`pace${n}`, n), bumping(`bump${n}`, n)]);

	for (const [name, config] of [
		["valid grounding", spaDefaults],
		["effective grounding (Sokoban's upstream setting)", { ...spaDefaults, grounding: "effective" as const }],
	] as const) {
		test(`online SPA (${name}): no reward grows with the length of an episode that does nothing, and a win earns more`, () => {
			const G = returnsOf([win, ...doNothing], config);
			for (const kind of ["pace", "bump"]) {
				const byLength = lengths.map((n) => G[`${kind}${n}`] as number);
				for (let i = 1; i < byLength.length; i++)
					expect(byLength[i] as number).toBeLessThanOrEqual((byLength[i - 1] as number) + 1e-12);
				expect(G.win as number).toBeGreaterThan(Math.max(...byLength));
			}
		});
	}

	test("the released bonus pays 0.5 a move: doing nothing for 15 steps out-earns the win (why online SPA collapsed)", () => {
		const G = returnsOf([win, ...doNothing], { ...spaDefaults, groundingPayment: "bonus" });
		expect(G.pace15 as number).toBeGreaterThan(G.pace3 as number);
		expect(G.pace15 as number).toBeGreaterThan(G.win as number);
		expect(G.bump15 as number).toBeGreaterThan(G.win as number);
	});

	test("the released offline recipe (leave-one-out v, bonus, StepTool weights) on the stored trajectories: its reward also grows with length", () => {
		const G = returnsOf([win, ...doNothing], { ...spaDefaults, ...spaReleased });
		expect(G.pace15 as number).toBeGreaterThan(G.pace6 as number);
	});
});
