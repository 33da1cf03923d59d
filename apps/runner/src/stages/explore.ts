import { join } from "node:path";
import { type EnvConfigError, hashSeed, type OutputError, type Trajectory, writeTrajectories } from "@stepwise/core";
import { type CollectOptions, successRate } from "@stepwise/core/policy/index";
import { truncationMetrics } from "@stepwise/core/train/index";
import { Effect } from "effect";
import type { RolloutWorkersError } from "../errors.ts";
import { collectRemote, parseOpenAiPolicy, RemotePolicyError, remoteOptions } from "../remote/openai-policy.ts";
import { Progress } from "../runs/progress.ts";
import type { RunDir } from "../runs/run-dir.ts";
import {
	EXPLORATION_OFFSET,
	envPool,
	fmt,
	promptStyleOf,
	type StageContext,
	startRolloutPool,
	taskRange,
	truncationWarning,
} from "./context.ts";
import { checkLoadedWeights } from "./finite.ts";
import { loadModelPolicy, type PolicyLoadError } from "./policy-load.ts";

/** Where a run keeps its exploration trajectories (`stepwise explore`'s default output, the pipeline's step 2). */
export const exploreFile = (run: RunDir): string => join(run.trajectoriesDir, "explore.jsonl");

/**
 * SPA's exploration (docs/credit/spa.md): the SFT policy samples `progress.samples` rollouts of each of
 * `progress.tasks` training tasks (from `EXPLORATION_OFFSET`, apart from SFT's and RL's), in waves of as many tasks as
 * the env pool holds (a progress line per wave), written as a trajectories JSONL.
 */
export const runExploreStage = (
	ctx: StageContext,
	policyDir: string,
	output: string,
): Effect.Effect<
	{ readonly trajectories: number; readonly success: number },
	EnvConfigError | PolicyLoadError | OutputError | RolloutWorkersError | RemotePolicyError
> => Effect.scoped(explore(ctx, policyDir, output));

/** {@link runExploreStage}'s body, in a scope that stops the rollout workers. */
const explore = (ctx: StageContext, policyDir: string, output: string) =>
	Effect.gen(function* () {
		const { config } = ctx;
		const t0 = performance.now();
		const remote = parseOpenAiPolicy(policyDir);
		if (remote instanceof RemotePolicyError) return yield* remote;
		const samples = config.progress.samples;
		const envs = yield* envPool(ctx, samples * Math.max(1, Math.floor(64 / samples)));
		/** A wave's rollouts: the checkpoint on the rollout pool, or the served model (`openai:…`). */
		let collect: (options: CollectOptions) => Effect.Effect<Trajectory[], RemotePolicyError>;
		let modelContext = config.model.contextLength;
		if (remote === undefined) {
			const { policy, optimizer } = yield* loadModelPolicy(policyDir);
			yield* checkLoadedWeights(policy.model, policyDir);
			yield* Effect.addFinalizer(() =>
				Effect.sync(() => {
					policy.model.dispose();
					optimizer?.dispose();
				}),
			);
			modelContext = policy.model.config.contextLength;
			const pool = yield* startRolloutPool(ctx, policy, envs.length);
			collect = (options) => Effect.promise((signal) => pool.collect(policy, envs, options, signal));
		} else collect = (options) => collectRemote(remote, remoteOptions(config), envs, options);
		const tasks = taskRange(config.seed, config.env.trainSplit, config.progress.tasks, EXPLORATION_OFFSET);
		const perWave = Math.floor(envs.length / samples);
		const bar = new Progress({ label: "explore", total: tasks.length, unit: "task" });
		const trajectories: Trajectory[] = [];
		for (let w = 0; w * perWave < tasks.length; w++) {
			const wave = tasks.slice(w * perWave, (w + 1) * perWave);
			const options = {
				tasks: wave,
				groupSize: samples,
				temperature: config.rollout.temperature,
				style: promptStyleOf(ctx),
				maxNewTokens: config.rollout.maxNewTokens,
				batchSize: config.rollout.batchSize,
				seed: hashSeed(config.seed, "explore", w),
				groupPrefix: "explore/",
				meta: { policy: policyDir },
				// a served model's tokens may not be ours: the text lets a later stage re-encode it
				...(remote !== undefined ? { keepPromptText: true } : {}),
			};
			const got = yield* collect(options);
			trajectories.push(...got);
			bar.tick(wave.length, { success: successRate(trajectories) });
		}
		bar.finish();
		if (remote === undefined) {
			const steps = trajectories.reduce((n, t) => n + t.steps.length, 0);
			const share = truncationMetrics(trajectories, {
				contextLength: modelContext,
				maxNewTokens: config.rollout.maxNewTokens,
			})["charts/truncated_prompts"];
			if (share !== undefined && share > 0)
				ctx.log(truncationWarning("explore", Math.round(share * steps), steps, config));
		}
		yield* writeTrajectories(output, trajectories);
		const success = successRate(trajectories);
		ctx.log(
			`explore: ${trajectories.length} rollouts of ${tasks.length} tasks, success ${fmt(success)}, ${fmt((performance.now() - t0) / 1000, 1)} s → ${output}`,
		);
		return { trajectories: trajectories.length, success };
	});
