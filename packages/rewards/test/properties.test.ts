import { describe, expect, test } from "bun:test";
import type { TrajectoryBatch } from "@stepwise/core";
import fc from "fast-check";
import { makeBatch, type StepSpec, type TrajSpec } from "./helpers.ts";
import {
	type MethodName,
	normaliseInClusters,
	Result,
	runCredit,
	runMix,
	type StepRows,
	toStepRows,
} from "./reexports.ts";

const ANCHORS = ["s0", "s1", "s2", "s3", "s4", "s5"];

interface GenStep {
	readonly anchor: string;
	readonly reward: number;
	readonly valid: boolean;
	readonly progress: number;
}
interface GenTraj {
	readonly steps: ReadonlyArray<GenStep>;
	readonly end: "terminated" | "truncated" | "open";
	readonly final: string;
}

const rewardArb = (max: number) =>
	fc.oneof(fc.constantFrom(0, 0.1, 1, 10, -0.1), fc.double({ min: -max, max, noNaN: true, noDefaultInfinity: true }));

const trajArb = (max: number) =>
	fc.record({
		steps: fc.array(
			fc.record({
				anchor: fc.constantFrom(...ANCHORS),
				reward: rewardArb(max),
				valid: fc.boolean(),
				progress: fc.double({ min: -max, max, noNaN: true, noDefaultInfinity: true }),
			}),
			{ minLength: 1, maxLength: 7 },
		),
		end: fc.constantFrom("terminated" as const, "truncated" as const, "open" as const),
		final: fc.constantFrom(...ANCHORS, "WIN"),
	});

const batchArb = (max = 1e3) =>
	fc.array(fc.array(trajArb(max), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 });

const toBatch = (groups: ReadonlyArray<ReadonlyArray<GenTraj>>): TrajectoryBatch =>
	makeBatch(
		groups.map((trajs, g) => [
			`g${g}`,
			trajs.map(
				(tr, k): TrajSpec => ({
					id: `g${g}t${k}`,
					steps: tr.steps.map((s): StepSpec => [s.anchor, s.reward, { valid: s.valid, progress: s.progress }]),
					end: tr.end,
					final: tr.final,
				}),
			),
		]),
	);

/**
 * A consistent environment for RewardFlow: every episode starts in s0, and only entering the goal
 * "WIN" pays (10). RewardFlow's base rewards are first-occurrence (as the reference's), so order
 * independence holds where a state's entry reward does not depend on the trajectory.
 */
const consistentBatchArb = batchArb().map((groups) =>
	groups.map((trajs) =>
		trajs.map((tr) => ({
			...tr,
			steps: tr.steps.map((s, t) => ({
				...s,
				anchor: t === 0 ? "s0" : s.anchor,
				reward: t === tr.steps.length - 1 && tr.final === "WIN" ? 10 : 0,
			})),
		})),
	),
);

const must = <A, E>(r: Result.Result<A, E>): A => {
	if (Result.isFailure(r)) throw new Error(String(r.failure));
	return r.success;
};

const permute = <T>(xs: ReadonlyArray<T>, seed: number): T[] => {
	const out = [...xs];
	let s = seed >>> 0 || 1;
	for (let i = out.length - 1; i > 0; i--) {
		s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
		const j = s % (i + 1);
		[out[i], out[j]] = [out[j] as T, out[i] as T];
	}
	return out;
};

const byKey = (rows: StepRows, values: ArrayLike<number>): Map<string, number> => {
	const m = new Map<string, number>();
	for (let i = 0; i < rows.size; i++)
		m.set(`${rows.trajIds[rows.traj[i] as number]}/${rows.t[i]}`, values[i] as number);
	return m;
};

const groupSums = (rows: StepRows, values: ArrayLike<number>, keep: (g: number) => boolean) => {
	const out: { sum: number; scale: number }[] = [];
	for (let g = 0; g + 1 < rows.groupTrajStart.length; g++) {
		if (!keep(g)) continue;
		let sum = 0;
		let scale = 0;
		for (let i = 0; i < rows.size; i++) {
			if (rows.group[i] !== g) continue;
			sum += values[i] as number;
			scale += Math.abs(values[i] as number);
		}
		out.push({ sum, scale });
	}
	return out;
};

const rowsInGroup = (rows: StepRows, g: number) =>
	(rows.trajStart[rows.groupTrajStart[g + 1] as number] as number) -
	(rows.trajStart[rows.groupTrajStart[g] as number] as number);

const PERMUTATION_CASES: ReadonlyArray<readonly [MethodName, unknown]> = [
	["grpo", {}],
	["grpo", { normalizeByStd: false, statistics: "trajectories" }],
	["rloo", {}],
	["rloo", { statistics: "trajectories" }],
	["gigpo", {}],
	["gigpo", { mode: "mean_std_norm", episodeStatistics: "trajectories" }],
	["spa", {}],
	["spa", { progress: "leave-one-out", advantage: "return", gamma: 0.9 }],
	["gae", { gamma: 0.99, lambda: 0.95 }],
	["gae", { level: "token", sequence: "row", weighting: "steptool" }],
];

describe("property: group-normalised advantages sum to zero per group", () => {
	test("row statistics (GRPO, RLOO, GiGPO episode and step terms)", () => {
		fc.assert(
			fc.property(batchArb(), (groups) => {
				const rows = toStepRows(toBatch(groups));
				const multi = (g: number) => rowsInGroup(rows, g) > 1;
				const cols = [
					must(runCredit("grpo", rows, { normalizeByStd: false })).advantages,
					must(runCredit("grpo", rows)).advantages,
					must(runCredit("rloo", rows)).advantages,
					must(runCredit("gigpo", rows)).parts?.episode,
					must(runCredit("gigpo", rows)).parts?.step,
					must(runCredit("gigpo", rows, { mode: "mean_std_norm" })).parts?.step,
					must(runCredit("rewardflow", rows)).parts?.step,
				];
				for (const col of cols) {
					for (const { sum, scale } of groupSums(rows, col as Float64Array, multi)) {
						expect(Math.abs(sum)).toBeLessThanOrEqual(1e-9 * (1 + scale));
					}
				}
			}),
			{ numRuns: 150 },
		);
	});

	test("trajectory statistics (the papers' GRPO and RLOO), all actions valid", () => {
		fc.assert(
			fc.property(batchArb(), (groups) => {
				const valid = groups.map((ts) => ts.map((t) => ({ ...t, steps: t.steps.map((s) => ({ ...s, valid: true })) })));
				const rows = toStepRows(toBatch(valid));
				for (const [m, c] of [
					["grpo", { statistics: "trajectories" }],
					["rloo", { statistics: "trajectories" }],
				] as const) {
					const a = must(runCredit(m, rows, c)).advantages;
					const firstRows = Array.from(rows.trajStart.subarray(0, -1), (i) => a[i] as number);
					for (let g = 0; g + 1 < rows.groupTrajStart.length; g++) {
						const k0 = rows.groupTrajStart[g] as number;
						const k1 = rows.groupTrajStart[g + 1] as number;
						if (k1 - k0 < 2) continue;
						const part = firstRows.slice(k0, k1);
						const sum = part.reduce((x, y) => x + y, 0);
						expect(Math.abs(sum)).toBeLessThanOrEqual(1e-9 * (1 + part.reduce((x, y) => x + Math.abs(y), 0)));
					}
				}
			}),
			{ numRuns: 150 },
		);
	});
	test("near-equal large values (std mode amplifies rounding): still zero-sum", () => {
		fc.assert(
			fc.property(
				fc.double({ min: -1e12, max: 1e12, noNaN: true }),
				fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 2, maxLength: 40 }),
				fc.constantFrom(1e-15, 1e-12, 1e-9),
				(base, offsets, rel) => {
					const values = offsets.map((k) => base + k * rel * Math.max(1, Math.abs(base)));
					const a = normaliseInClusters(values, new Int32Array(values.length), 1, {
						scaleByStd: true,
						epsilon: 1e-6,
						singleton: "raw",
					});
					const sum = a.reduce((x, y) => x + y, 0);
					const scale = a.reduce((x, y) => x + Math.abs(y), 0);
					expect(Math.abs(sum)).toBeLessThanOrEqual(1e-9 * (1 + scale));
				},
			),
			{ numRuns: 300 },
		);
	});
});

describe("property: permuting trajectories permutes the output", () => {
	const check = (rows: StepRows, permuted: StepRows, method: MethodName, config: unknown) => {
		const a = byKey(rows, must(runCredit(method, rows, config)).advantages);
		const b = byKey(permuted, must(runCredit(method, permuted, config)).advantages);
		expect(b.size).toBe(a.size);
		for (const [k, v] of a) {
			const w = b.get(k) as number;
			expect(Math.abs(v - w)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(v)));
		}
	};
	const shuffled = (batch: TrajectoryBatch, seed: number): TrajectoryBatch => ({
		groups: permute(batch.groups, seed).map((g, i) => ({ ...g, trajectories: permute(g.trajectories, seed + 31 * i) })),
	});

	test("GRPO, RLOO, GiGPO (exact), SPA, GAE", () => {
		fc.assert(
			fc.property(batchArb(), fc.nat(), (groups, seed) => {
				const batch = toBatch(groups);
				const rows = toStepRows(batch);
				const permuted = toStepRows(shuffled(batch, seed));
				for (const [m, c] of PERMUTATION_CASES) check(rows, permuted, m, c);
			}),
			{ numRuns: 100 },
		);
	});

	test("RewardFlow, in an environment where entering a state always pays the same", () => {
		fc.assert(
			fc.property(consistentBatchArb, fc.nat(), (groups, seed) => {
				const batch = toBatch(groups);
				check(toStepRows(batch), toStepRows(shuffled(batch, seed)), "rewardflow", {});
				check(toStepRows(batch), toStepRows(shuffled(batch, seed)), "rewardflow", {
					noOp: { actions: ["a1"], actionSubstrings: [], stateSubstrings: ["s4"] },
				});
			}),
			{ numRuns: 100 },
		);
	});
});

describe("property: a group whose rewards are all equal gives exactly zero", () => {
	const equalGroups = fc
		.tuple(fc.array(fc.constantFrom(0.1, 0.3, 1 / 3, 10, 0, -0.7), { minLength: 1, maxLength: 6 }), batchArb())
		.map(([pattern, groups]) =>
			groups.map((trajs) =>
				trajs.map((tr) => ({
					...tr,
					steps: pattern.map((r, t) => ({
						anchor: tr.steps[t % tr.steps.length]?.anchor ?? "s0",
						reward: r,
						valid: true,
						progress: 0,
					})),
				})),
			),
		);

	test("episode terms of GRPO, RLOO and GiGPO (both statistics, both modes)", () => {
		fc.assert(
			fc.property(equalGroups, (groups) => {
				const rows = toStepRows(toBatch(groups));
				const multi = (g: number) => (rows.groupTrajStart[g + 1] as number) - (rows.groupTrajStart[g] as number) > 1;
				const cols = [
					must(runCredit("grpo", rows)).advantages,
					must(runCredit("grpo", rows, { normalizeByStd: false, statistics: "trajectories" })).advantages,
					must(runCredit("rloo", rows)).advantages,
					must(runCredit("rloo", rows, { statistics: "trajectories" })).advantages,
					must(runCredit("gigpo", rows, { mode: "mean_std_norm" })).parts?.episode as Float64Array,
					must(runCredit("rewardflow", rows)).parts?.episode as Float64Array,
				];
				for (const col of cols) {
					for (let i = 0; i < rows.size; i++) if (multi(rows.group[i] as number)) expect(col[i] === 0).toBe(true);
				}
			}),
			{ numRuns: 150 },
		);
	});

	test("all-zero rewards: GiGPO and RewardFlow give exactly zero everywhere", () => {
		fc.assert(
			fc.property(batchArb(), fc.constantFrom("mean_norm" as const, "mean_std_norm" as const), (groups, mode) => {
				const zero = groups.map((ts) =>
					ts.map((t) => ({ ...t, steps: t.steps.map((s) => ({ ...s, reward: 0, valid: true })) })),
				);
				const rows = toStepRows(toBatch(zero));
				for (const a of [
					must(runCredit("gigpo", rows, { mode })).advantages,
					must(runCredit("rewardflow", rows, { mode })).advantages,
				]) {
					for (const x of a) expect(x === 0).toBe(true);
				}
			}),
			{ numRuns: 100 },
		);
	});
});

describe("property: outputs are finite for any finite input", () => {
	test("every method and a mix, rewards and progress up to ±1e100", () => {
		const all: ReadonlyArray<readonly [MethodName, unknown]> = [
			...PERMUTATION_CASES,
			["gigpo", { grouping: "similarity", similarityThreshold: 0.5, mode: "mean_std_norm" }],
			["rewardflow", { gamma: 1 }],
			["gae", { level: "token", rewards: "rewardflow", whiten: false }],
			["gae", { rewards: "episode", sequence: "row" }],
		];
		fc.assert(
			fc.property(batchArb(1e100), (groups) => {
				const rows = toStepRows(toBatch(groups));
				for (const [m, c] of all) {
					const r = must(runCredit(m, rows, c));
					for (const col of [r.advantages, r.stepRewards ?? [], r.returns ?? []]) {
						for (const x of col) expect(Number.isFinite(x)).toBe(true);
					}
				}
				const mixed = must(
					runMix(rows, [
						{ method: "gigpo", weight: 0.5 },
						{ method: "spa", weight: 0.5 },
					]),
				);
				for (const x of mixed.advantages) expect(Number.isFinite(x)).toBe(true);
			}),
			{ numRuns: 100 },
		);
	});
});
