import type { EvalReport } from "../src/stages/eval-report.ts";

/** A Sokoban test report of `policy` with one seed per outcome string (`1` won), scores equal to the outcomes. */
export const evalReport = (policy: string, outcomes: ReadonlyArray<string>): EvalReport => {
	const perSeed = outcomes.map((o, seed) => {
		const success = [...o].filter((c) => c === "1").length / o.length;
		return { seed, episodes: o.length, success, score: success, grounding: 1, length: 5, outcomes: o };
	});
	const mean = perSeed.reduce((s, p) => s + p.success, 0) / perSeed.length;
	return {
		policy,
		spec: "sokoban/6x6-1box-v0",
		split: "test",
		perSeed,
		mean: {
			episodes: perSeed.length * (outcomes[0]?.length ?? 0),
			success: mean,
			score: mean,
			grounding: 1,
			length: 5,
		},
		std: { success: 0, score: 0, grounding: 0, length: 0 },
		byType: {},
	};
};

/** `r` with partial scores per seed (as WebShop's), its mean score theirs. */
export const withScores = (r: EvalReport, scores: ReadonlyArray<ReadonlyArray<number>>): EvalReport => ({
	...r,
	perSeed: r.perSeed.map((s, i) => ({ ...s, scores: scores[i] as ReadonlyArray<number> })),
	mean: { ...r.mean, score: scores.flat().reduce((a, b) => a + b, 0) / scores.flat().length },
});
