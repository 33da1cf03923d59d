/**
 * Fixture runs for the dashboard's tests, in a fresh temporary directory:
 * - `fixtures/runs/<real>`: the small files of a real `stepwise pipeline --config tiny.yaml` run
 *   (GRPO, seed 0: config, metrics, SFT log, eval reports, results.md; no checkpoints), plus a
 *   trajectory dump holding docs/credit/gigpo.md's worked example as Sokoban boards;
 * - the same run as seed 1 with other success values (for the mean ± std band) and an evaluation
 *   report with task types.
 * Files get the times of the real run (started at the time in its name, 13 s long).
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatTrajectories, type Trajectory, type TrajectoryStep } from "@stepwise/core";

export const REAL_RUN = "sokoban-6x6-1box-v0__grpo__0__1796618649";
export const SEED1_RUN = "sokoban-6x6-1box-v0__grpo__1__1796618700";
export const WORKED_DUMP = "worked-example.jsonl";
export const WORKED_GROUP = "credit-md-1.9";

const board = (
	player: readonly [number, number],
	box: readonly [number, number] = [2, 2],
	onTarget = false,
): string => {
	const rows = ["######", "#_O__#", "#____#", "#____#", "#____#", "######"].map((r) => [...r]);
	const set = ([r, c]: readonly [number, number], ch: string) => {
		(rows[r] as string[])[c] = ch;
	};
	set(onTarget ? [1, 2] : box, onTarget ? "√" : "X");
	set(player, "P");
	return rows.map((r) => r.join("")).join("\n");
};

/** docs/credit/gigpo.md's states: s0..s3, and the won board. */
export const boards = {
	s0: board([3, 4]),
	s1: board([3, 3]),
	s2: board([3, 2]),
	s3: board([4, 3]),
	won: board([2, 2], [1, 2], true),
} as const;

type Spec = readonly [state: keyof typeof boards, action: string, reward: number];

const episode = (
	id: string,
	steps: ReadonlyArray<Spec>,
	end: "terminated" | "truncated",
	final: keyof typeof boards,
): Trajectory => {
	const n = steps.length;
	const out: TrajectoryStep[] = steps.map(([state, action, reward], t) => {
		const last = t === n - 1;
		return {
			t,
			promptIds: [1, 2, 3],
			actionIds: [10, 11],
			logProbs: [-0.5, -0.5],
			response: `<action>${action}</action>`,
			action,
			valid: true,
			reward,
			stateKey: boards[state],
			nextStateKey: boards[last ? final : (steps[t + 1]?.[0] ?? state)],
			terminated: last && end === "terminated",
			truncated: last && end === "truncated",
			won: last && end === "terminated" && reward > 0,
			score: reward > 0 ? 1 : 0,
		};
	});
	const won = out.some((s) => s.won);
	return {
		id,
		groupId: WORKED_GROUP,
		env: "sokoban/6x6-1box-v0",
		taskId: "train/0/1",
		seed: 0,
		split: "train",
		index: 1,
		steps: out,
		won,
		score: won ? 1 : 0,
	};
};

/** docs/credit/gigpo.md: one group of four episodes (A, C won with reward 10; B truncated; D failed). */
export const workedExample = (): Trajectory[] => [
	episode(
		"A",
		[
			["s0", "left", 0],
			["s1", "left", 0],
			["s2", "up", 10],
		],
		"terminated",
		"won",
	),
	episode(
		"B",
		[
			["s0", "left", 0],
			["s1", "down", 0],
			["s3", "right", 0],
		],
		"truncated",
		"s3",
	),
	episode(
		"C",
		[
			["s0", "left", 0],
			["s2", "up", 10],
		],
		"terminated",
		"won",
	),
	episode(
		"D",
		[
			["s0", "down", 0],
			["s3", "down", 0],
			["s3", "down", 0],
		],
		"truncated",
		"s3",
	),
];

/** docs/credit/gigpo.md's advantages by episode and step: GRPO (std, rows) and GiGPO (mean_norm, the default). */
export const expected = {
	grpo: {
		A: [1.0445, 1.0445, 1.0445],
		B: [-0.8704, -0.8704, -0.8704],
		C: [1.0445, 1.0445],
		D: [-0.8704, -0.8704, -0.8704],
	},
	gigpo: {
		A: [9.8483, 10.2045, 5.4545],
		B: [-9.1767, -9.2955, -4.5455],
		C: [10.3233, 5.4545],
		D: [-9.1767, -4.5455, -4.5455],
	},
} as const;

const fixtureDir = join(import.meta.dir, "fixtures", "runs");

const made: string[] = [];

/** Remove the runs directories {@link makeFixtureRuns} made (a test file's `afterAll`). */
export const removeFixtureRuns = (): void => {
	for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
};

/** A fresh runs directory with the fixture runs; returns its path. */
export const makeFixtureRuns = (): string => {
	const root = mkdtempSync(join(tmpdir(), "stepwise-dashboard-"));
	made.push(root);
	cpSync(fixtureDir, root, { recursive: true });
	const real = join(root, REAL_RUN);
	mkdirSync(join(real, "trajectories"), { recursive: true });
	writeFileSync(join(real, "trajectories", WORKED_DUMP), formatTrajectories(workedExample()));
	// seed 1: the same run with success shifted, so two seeds give a band
	const seed1 = join(root, SEED1_RUN);
	mkdirSync(seed1);
	writeFileSync(
		join(seed1, "config.yaml"),
		readFileSync(join(real, "config.yaml"), "utf8").replace(/^seed: 0$/m, "seed: 1"),
	);
	const rows = readFileSync(join(real, "metrics.jsonl"), "utf8")
		.trim()
		.split("\n")
		.map((l) => JSON.parse(l) as Record<string, number>)
		.map((r) => ({ ...r, "charts/success": (r.iteration as number) / 8 }));
	writeFileSync(join(seed1, "metrics.jsonl"), rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
	const figures = (success: number, episodes: number) => ({
		episodes,
		success,
		score: success,
		grounding: 0.9,
		length: 12,
	});
	writeFileSync(
		join(seed1, "eval.json"),
		JSON.stringify({
			policy: `runs/${SEED1_RUN}/checkpoints/step_4`,
			spec: "sokoban/6x6-1box-v0",
			split: "test",
			perSeed: [{ seed: 0, ...figures(0.5, 4), outcomes: "1010" }],
			mean: figures(0.5, 4),
			std: { success: 0, score: 0, grounding: 0, length: 0 },
			byType: { near: figures(1, 2), far: figures(0, 2) },
		}),
	);
	for (const [run, end] of [
		[REAL_RUN, 1796618649 + 13],
		[SEED1_RUN, 1796618700 + 13],
	] as const) {
		const dir = join(root, run);
		for (const p of readdirSync(dir, { recursive: true, encoding: "utf8" })) utimesSync(join(dir, p), end, end);
		utimesSync(dir, end, end);
	}
	return root;
};
