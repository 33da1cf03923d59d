import * as tf from "@tensorflow/tfjs-core";
import { Effect } from "effect";
import { type ManagedEnv, withTimeLimit } from "../../src/env/time-limit.ts";
import type { ResetRequest } from "../../src/env/types.ts";
import {
	buildTokenizer,
	collectDemonstrations,
	collectRollouts,
	demonstrationText,
	type Policy,
	TransformerPolicy,
} from "../../src/policy/index.ts";
import type { PolicyModel } from "../../src/policy/policy-model.ts";
import { stepwisePromptCodec } from "../../src/policy/prompt-codec.ts";
import type { StepCredit } from "../../src/train/index.ts";
import { groupTrajectories, type Trajectory, type TrajectoryBatch } from "../../src/trajectory/schema.ts";
import { corridorPlugin } from "../fixtures/corridor.ts";

export const corridor = corridorPlugin();
export const spec = corridor.specs[0] as (typeof corridor.specs)[number];

/** `n` managed corridor envs with a step limit of `maxSteps` (default 6, to keep tests fast). */
export const envs = (n: number, maxSteps = 6): ManagedEnv[] =>
	Array.from({ length: n }, () => withTimeLimit(Effect.runSync(corridor.make(spec)), maxSteps));

export const tasks = (split: string, n: number, offset = 0): ResetRequest[] =>
	Array.from({ length: n }, (_, i) => ({ seed: 0, split, index: offset + i }));

const tokenizer = (() => {
	const env = envs(1)[0] as ManagedEnv;
	return buildTokenizer(demonstrationText(collectDemonstrations(env, tasks("train", 10)).demos));
})();

/** A tiny policy (d=16, one layer) over the corridor's compact prompts; deterministic in `seed`. */
export const tinyPolicy = (seed = 0): Policy => ({
	model: TransformerPolicy.init(
		{ vocabSize: tokenizer.vocabSize, contextLength: 32, dModel: 16, nLayers: 1, nHeads: 2, dFF: 32 },
		seed,
	),
	codec: stepwisePromptCodec(tokenizer),
});

export const FIT = { contextLength: 32, maxNewTokens: 3 } as const;

/** Sampled rollouts of a tiny policy: `groups` tasks × `n` members. */
export const rollouts = (policy: Policy, groups: number, n: number, seed = 0, split = "train"): TrajectoryBatch =>
	groupTrajectories(
		collectRollouts(policy, envs(groups * n), {
			tasks: tasks(split, groups, seed * 100),
			groupSize: n,
			maxNewTokens: 3,
			seed,
		}),
	);

/** A GRPO credit computed in the test (episode return, mean-centred within each group over rows). */
export const grpoCredit = (batch: TrajectoryBatch): StepCredit => {
	const advantages: number[][][] = batch.groups.map((g) => {
		const rows: number[] = g.trajectories.flatMap((t) => t.steps.map(() => (t.won ? 1 : 0)));
		const mean = rows.reduce<number>((a, b) => a + b, 0) / Math.max(1, rows.length);
		return g.trajectories.map((t) => t.steps.map(() => (t.won ? 1 : 0) - mean));
	});
	const stepRewards = batch.groups.map((g) =>
		g.trajectories.map((t) =>
			t.steps.map((_, j) => (j === t.steps.length - 1 && t.won ? 1 : 0) - (t.steps[j]?.valid ? 0 : 0.1)),
		),
	);
	return { advantages, stepRewards };
};

/** All parameter values of a model concatenated (for equality checks). */
export const weights = (m: PolicyModel): Float32Array => {
	const parts = m.variables().map((v) => v.dataSync() as Float32Array);
	const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
	let o = 0;
	for (const p of parts) {
		out.set(p, o);
		o += p.length;
	}
	return out;
};

/** Largest absolute difference between two models' parameters (same architecture). */
export const weightGap = (a: PolicyModel, b: PolicyModel): number => {
	const wa = weights(a);
	const wb = weights(b);
	let gap = 0;
	for (let i = 0; i < wa.length; i++) gap = Math.max(gap, Math.abs((wa[i] as number) - (wb[i] as number)));
	return gap;
};

export const adam = (lr = 1e-2): tf.AdamOptimizer => tf.train.adam(lr);

/** Episode k of task `index`'s group `g<index>`, with no steps (for code that reads outcomes and group ids only). */
export const stepless = (index: number, k: number, won = false, score = won ? 1 : 0): Trajectory => ({
	id: `g${index}/${k}`,
	groupId: `g${index}`,
	env: "fake",
	taskId: `${index}`,
	seed: 0,
	split: "train",
	index,
	steps: [],
	won,
	score,
});
