import {
	type EnvConfigError,
	hashSeed,
	type ManagedEnv,
	type ResetRequest,
	Rng,
	type Trajectory,
} from "@stepwise/core";
import type { Policy } from "@stepwise/core/policy/index";
import { meanStd, truncationMetrics } from "@stepwise/core/train/index";
import { Effect } from "effect";
import { ConfigError } from "../config/overrides.ts";
import type { RunConfig } from "../config/schema.ts";
import type { RolloutWorkersError } from "../errors.ts";
import {
	collectRemote,
	type OpenAiPolicySpec,
	parseOpenAiPolicy,
	RemotePolicyError,
	remoteOptions,
} from "../remote/openai-policy.ts";
import { Progress } from "../runs/progress.ts";
import {
	envPool,
	fitOf,
	promptStyleOf,
	type StageContext,
	startRolloutPool,
	taskRange,
	truncationWarning,
	yieldToEventLoop,
} from "./context.ts";
import {
	type EpisodeOutcome,
	type EvalFigures,
	type EvalReport,
	figures,
	outcomeString,
	scoreList,
	taskListDigest,
} from "./eval-report.ts";
import { checkLoadedWeights } from "./finite.ts";
import { loadModelPolicy } from "./policy-load.ts";

export {
	type EpisodeOutcome,
	type EvalFigures,
	type EvalReport,
	figures,
	formatEvalReport,
	readEvalReport,
} from "./eval-report.ts";

/** The outcome of a recorded trajectory. */
export const outcomeOf = (t: Trajectory): EpisodeOutcome => ({
	taskId: t.taskId,
	taskType: t.taskType,
	won: t.won,
	score: t.score,
	steps: t.steps.length,
	validSteps: t.steps.filter((s) => s.valid).length,
});

/**
 * Play an episode with a scripted policy: the env's expert, or uniform random choices among the
 * admissible actions (seeded by the task), under the framework's step limit. The episode ends
 * early when the expert has no action or no action is admissible.
 */
export const playScripted = (
	env: ManagedEnv,
	request: { readonly seed: number; readonly split: string; readonly index: number },
	kind: "expert" | "random",
): EpisodeOutcome => {
	const reset = env.reset(request);
	const rng = new Rng(hashSeed(request.seed, request.split, request.index, "random-policy"));
	let won = false;
	let score = 0;
	let steps = 0;
	let validSteps = 0;
	while (!env.done) {
		let action: string | undefined;
		if (kind === "expert") action = env.expertAction();
		else {
			const admissible = env.admissibleActions() ?? [];
			action = admissible.length > 0 ? rng.pick(admissible) : undefined;
		}
		if (action === undefined) break;
		const r = env.step(action);
		steps++;
		if (r.info.valid) validSteps++;
		won = won || r.info.won;
		score = r.info.score;
	}
	return { taskId: reset.task.id, taskType: reset.task.type, won, score, steps, validSteps };
};

/**
 * {@link playScripted} on every task, 64 episodes at a time with the event loop let run between
 * them, so Ctrl-C / SIGTERM stop a long scripted evaluation at once.
 */
const playScriptedAll = (
	env: ManagedEnv,
	tasks: ReadonlyArray<ResetRequest>,
	kind: "expert" | "random",
): Effect.Effect<EpisodeOutcome[]> =>
	Effect.gen(function* () {
		const out: EpisodeOutcome[] = [];
		for (let i = 0; i < tasks.length; i += 64) {
			for (const t of tasks.slice(i, i + 64)) out.push(playScripted(env, t, kind));
			yield* yieldToEventLoop;
		}
		return out;
	});

/** A policy source: the env's expert, a random policy, a checkpoint or Hugging Face model directory, or a served model. */
export type PolicySource =
	| { readonly kind: "expert" | "random" }
	| { readonly kind: "model"; readonly policy: Policy; readonly name: string }
	| { readonly kind: "remote"; readonly spec: OpenAiPolicySpec; readonly name: string };

/** Parse `--policy expert|random|openai:BASE_URL#MODEL|hf:DIR|<checkpoint dir>` (loading the model). */
export const loadPolicySource = (text: string) => {
	if (text === "expert" || text === "random") return Effect.succeed<PolicySource>({ kind: text });
	const remote = parseOpenAiPolicy(text);
	if (remote instanceof RemotePolicyError) return Effect.fail(remote);
	if (remote !== undefined) return Effect.succeed<PolicySource>({ kind: "remote", spec: remote, name: text });
	return Effect.gen(function* () {
		const { policy, optimizer } = yield* loadModelPolicy(text);
		optimizer?.dispose();
		yield* checkLoadedWeights(policy.model, text);
		return { kind: "model", policy, name: text } satisfies PolicySource;
	});
};

/** `eval.temperature` when it asks for sampling (above 0); undefined: greedy. */
const sampledAt = (config: RunConfig): number | undefined => {
	const t = config.eval.temperature ?? 0;
	return t > 0 ? t : undefined;
};

/** The collector's decoding options for evaluation: greedy, or sampling seeded by the evaluation seed. */
const evalDecoding = (config: RunConfig, tasks: ReadonlyArray<ResetRequest>) => {
	const t = sampledAt(config);
	return t !== undefined ? { greedy: false, temperature: t, seed: tasks[0]?.seed ?? 0 } : { greedy: true };
};

/**
 * Rollouts of a model (greedy, or sampled per `eval.temperature`) on the stage's rollout pool (sized for `n` tasks), as episode outcomes;
 * `cut` adds up the steps and those whose prompt generation cut to fit the context.
 */
const modelPlayer = (
	ctx: StageContext,
	policy: Policy,
	envs: ReadonlyArray<ManagedEnv>,
	n: number,
	cut: { steps: number; truncated: number },
) =>
	Effect.map(
		startRolloutPool(ctx, policy, n),
		(pool) => (tasks: ReadonlyArray<ResetRequest>) =>
			Effect.map(
				Effect.promise((signal) =>
					pool.collect(
						policy,
						envs,
						{
							tasks,
							...evalDecoding(ctx.config, tasks),
							style: promptStyleOf(ctx),
							maxNewTokens: ctx.config.rollout.maxNewTokens,
							batchSize: ctx.config.rollout.batchSize,
						},
						signal,
					),
				),
				(trajectories) => {
					const steps = trajectories.reduce((s, t) => s + t.steps.length, 0);
					const f = truncationMetrics(trajectories, fitOf(policy, ctx.config));
					cut.steps += steps;
					cut.truncated += Math.round((f["charts/truncated_prompts"] ?? 0) * steps);
					return trajectories.map(outcomeOf);
				},
			),
	);

/** What evaluation can fail with: an env option, the rollout workers, a served model, a random policy the env cannot play. */
export type EvaluationError = EnvConfigError | RolloutWorkersError | RemotePolicyError | ConfigError;

/**
 * `--policy random` needs the env to list its valid actions (`admissibleActions`): checked on the
 * first evaluation task. Envs whose actions are free text (VirtualHome's sentences, Search-R1's
 * `<search>` queries) list none, and a uniform random policy over them is not defined.
 */
export const checkRandomPlayable = (env: ManagedEnv, request: ResetRequest, spec: string): ConfigError | undefined => {
	env.reset(request);
	if (env.admissibleActions() !== undefined) return undefined;
	return new ConfigError({
		key: "--policy",
		source: "command line",
		message: `--policy random: ${spec} does not list its valid actions (its actions are free text), so there is no uniform random policy over them; evaluate --policy expert or a checkpoint`,
	});
};

/** Evaluate a policy on `eval.tasks` tasks of the eval split for each seed of `eval.seeds` (greedy decoding for models unless `eval.temperature`). */
export const evaluatePolicy = (ctx: StageContext, source: PolicySource): Effect.Effect<EvalReport, EvaluationError> =>
	Effect.scoped(evaluate(ctx, source));

/** {@link evaluatePolicy}'s body, in a scope that stops the rollout workers. */
const evaluate = (ctx: StageContext, source: PolicySource) =>
	Effect.gen(function* () {
		const { config } = ctx;
		const split = config.env.evalSplit;
		const n = config.eval.tasks;
		const envs = yield* envPool(ctx, source.kind === "model" || source.kind === "remote" ? Math.min(n, 64) : 1);
		const cut = { steps: 0, truncated: 0 };
		if (source.kind === "random") {
			const refused = checkRandomPlayable(
				envs[0] as ManagedEnv,
				{ seed: config.eval.seeds[0] ?? 0, split, index: 0 },
				config.env.spec,
			);
			if (refused !== undefined) return yield* refused;
		}
		/** Plays a seed's tasks: rollouts of the model (on the rollout pool or the server), or the scripted policy. */
		const play: (tasks: ReadonlyArray<ResetRequest>) => Effect.Effect<EpisodeOutcome[], RemotePolicyError> =
			source.kind === "model"
				? yield* modelPlayer(ctx, source.policy, envs, n, cut)
				: source.kind === "remote"
					? (tasks) =>
							Effect.map(
								collectRemote(source.spec, remoteOptions(config), envs, {
									tasks,
									...evalDecoding(config, tasks),
									style: promptStyleOf(ctx),
									maxNewTokens: config.rollout.maxNewTokens,
									batchSize: config.rollout.batchSize,
								}),
								(trajectories) => trajectories.map(outcomeOf),
							)
					: (tasks) => playScriptedAll(envs[0] as ManagedEnv, tasks, source.kind);
		const bar = new Progress({ label: "eval", total: config.eval.seeds.length * n, unit: "episode" });
		const all: EpisodeOutcome[] = [];
		const perSeed: Array<{ seed: number; outcomes: string; scores: number[]; tasks: string } & EvalFigures> = [];
		for (const seed of config.eval.seeds) {
			const tasks = taskRange(seed, split, n);
			const outcomes = yield* play(tasks);
			const f = figures(outcomes);
			perSeed.push({
				seed,
				...f,
				outcomes: outcomeString(outcomes),
				scores: scoreList(outcomes),
				tasks: taskListDigest(outcomes),
			});
			all.push(...outcomes);
			bar.tick(n, { success: f.success, grounding: f.grounding });
		}
		bar.finish();
		const truncatedPrompts = cut.steps === 0 ? 0 : cut.truncated / cut.steps;
		if (cut.truncated > 0) ctx.log(truncationWarning("eval", cut.truncated, cut.steps, ctx.config));
		const ms = (k: keyof EvalFigures) => meanStd(perSeed.map((s) => s[k]));
		const temperature = source.kind === "model" || source.kind === "remote" ? sampledAt(config) : undefined;
		const types = [...new Set(all.map((e) => e.taskType).filter((t): t is string => t !== undefined))];
		return {
			policy: source.kind === "model" || source.kind === "remote" ? source.name : source.kind,
			spec: config.env.spec,
			split,
			perSeed,
			mean: {
				episodes: all.length,
				success: ms("success").mean,
				score: ms("score").mean,
				grounding: ms("grounding").mean,
				length: ms("length").mean,
			},
			std: {
				success: ms("success").std,
				score: ms("score").std,
				grounding: ms("grounding").std,
				length: ms("length").std,
			},
			byType: Object.fromEntries(types.map((t) => [t, figures(all.filter((e) => e.taskType === t))])),
			...(source.kind === "model" ? { truncatedPrompts } : {}),
			...(temperature !== undefined ? { temperature } : {}),
		};
	});
