import { Effect } from "effect";
import type { EnvConfigError } from "../env/errors.ts";
import { type BuiltPrompt, buildPrompt, EpisodeMemory } from "../env/prompt.ts";
import type { EnvSpec, PromptStyle } from "../env/spec.ts";
import { type ManagedEnv, withTimeLimit } from "../env/time-limit.ts";
import type { EnvPlugin, ResetRequest, TaskInfo } from "../env/types.ts";
import type { Trajectory, TrajectoryStep } from "../trajectory/schema.ts";
import { hashSeed, Rng } from "../util/rng.ts";
import { attentionRows } from "./config.ts";
import { generate } from "./generate.ts";
import type { PolicyModel } from "./policy-model.ts";
import type { PromptCodec } from "./prompt-codec.ts";
import { promptText } from "./prompting.ts";

/**
 * A model and the codec of the tokenizer and prompt format it was trained with (ours for the GPT
 * and models trained from scratch, a Hugging Face model's own tokenizer and chat template for one
 * loaded from its directory).
 */
export interface Policy {
	readonly model: PolicyModel;
	readonly codec: PromptCodec;
}

/** Make `n` envs of a spec, each under the framework's step limit (`withTimeLimit`). */
export const makeEnvs = (
	plugin: EnvPlugin,
	spec: EnvSpec,
	n: number,
	overrides?: { readonly [key: string]: unknown },
): Effect.Effect<ManagedEnv[], EnvConfigError> =>
	Effect.forEach(Array.from({ length: n }), () =>
		Effect.map(plugin.make(spec, overrides), (env) => withTimeLimit(env)),
	);

/** Options of {@link collectRollouts}. */
export interface CollectOptions {
	/** The tasks; each is played `groupSize` times (one group per task). */
	readonly tasks: ReadonlyArray<ResetRequest>;
	/** Rollouts per task (GRPO's N); default 1. */
	readonly groupSize?: number;
	/** Prompt style; default the env spec's `promptStyle`. */
	readonly style?: PromptStyle;
	/** History window of the step/compact prompts; default the spec's `historyLength`. */
	readonly historyLength?: number;
	/** Greedy decoding (evaluation) instead of sampling. */
	readonly greedy?: boolean;
	/**
	 * Members `0 … greedyMembers − 1` of every group decode greedily, the others sample (default 0).
	 * A group then holds the policy's greedy answer beside its samples, so group-relative credit
	 * compares what greedy evaluation would do against what sampling finds (self-critical training).
	 */
	readonly greedyMembers?: number;
	readonly temperature?: number;
	readonly topP?: number;
	/** Most tokens of one answer (default 32). */
	readonly maxNewTokens?: number;
	/**
	 * Seed of the sampling streams (default 0). Every episode samples from its own stream, a function
	 * of this seed and the episode's place in the whole batch (task position × groupSize + k), so
	 * an episode's samples do not depend on waves, `batchSize` or how the batch is split.
	 */
	readonly seed?: number;
	/**
	 * Position of `tasks[0]` in the whole batch (default 0), for a caller that splits one batch of
	 * tasks over several collectors (rollout workers): each part then samples as it would unsplit.
	 */
	readonly firstTask?: number;
	/** Use the KV cache while generating (default true). */
	readonly useCache?: boolean;
	/** Most rows per generation call (default 64). */
	readonly batchSize?: number;
	/** Store the prompt text in each step (default false: ids only). */
	readonly keepPromptText?: boolean;
	/** Prefix of group ids (e.g. the iteration), so groups of different iterations differ. */
	readonly groupPrefix?: string;
	/** Tags copied into every trajectory's `meta`. */
	readonly meta?: Readonly<Record<string, string | number | boolean>>;
}

interface Episode {
	readonly env: ManagedEnv;
	readonly request: ResetRequest;
	readonly task: TaskInfo;
	readonly memory: EpisodeMemory;
	readonly steps: TrajectoryStep[];
	readonly groupId: string;
	readonly id: string;
	/** The episode's own sampling stream. */
	readonly rng: Rng;
	/** This member decodes greedily (`greedyMembers`). */
	readonly greedy: boolean;
	score: number;
	won: boolean;
	done: boolean;
}

/**
 * Run `groupSize` rollouts of each task in lock-step over the given envs: every step, the prompts of
 * all running episodes are generated in one batch (KV cache), projected with the env's projection,
 * and stepped (or counted with `skipStep` when the projection gives no action). Episodes run in
 * waves of as many whole groups as there are envs. Returns the trajectories in task order, the
 * `groupSize` members of a group together, in the foundation's schema. Deterministic in the seed.
 */
export const collectRollouts = (
	policy: Policy,
	envs: ReadonlyArray<ManagedEnv>,
	options: CollectOptions,
): Trajectory[] => {
	const out: Trajectory[] = [];
	for (const wave of waves(envs, options, "collectRollouts")) out.push(...runWave(policy, envs, wave, options));
	return out;
};

/** A wave: as many whole groups as the envs hold, and the position of its first task in the whole batch. */
interface Wave {
	readonly tasks: ReadonlyArray<ResetRequest>;
	readonly groupSize: number;
	readonly first: number;
}

/** The tasks split into waves of as many whole groups as there are envs. */
const waves = (envs: ReadonlyArray<ManagedEnv>, options: CollectOptions, caller: string): Wave[] => {
	const groupSize = options.groupSize ?? 1;
	const perWave = Math.floor(envs.length / groupSize);
	if (perWave < 1) throw new Error(`${caller}: ${envs.length} envs cannot hold a group of ${groupSize}`);
	const out: Wave[] = [];
	for (let w = 0; w * perWave < options.tasks.length; w++)
		out.push({
			tasks: options.tasks.slice(w * perWave, (w + 1) * perWave),
			groupSize,
			first: (options.firstTask ?? 0) + w * perWave,
		});
	return out;
};

/** One row of a generation request: a running episode's prompt and how to decode it. */
export interface AnswerRow {
	readonly built: BuiltPrompt;
	/** The episode's own sampling stream. */
	readonly rng: Rng;
	/** This row decodes greedily (`greedy`, or a `greedyMembers` member). */
	readonly greedy: boolean;
}

/** A policy's answer to one {@link AnswerRow}: the text and, where known, its tokens and log-probs. */
export interface Answer {
	/** Prompt token ids (empty when the answerer does not know them, e.g. a remote model). */
	readonly promptIds: number[];
	/** Generated token ids (the stop token included when produced). */
	readonly tokens: number[];
	/** Log-prob of each generated token. */
	readonly logProbs: number[];
	/** The answer text (what the projection reads). */
	readonly response: string;
}

/**
 * The local model's answers to a batch of rows: one batched {@link generate} call (KV cache) over
 * the prompts in the codec's layout, decoded up to its first stop id (our `</act>`).
 */
export const localAnswers = (policy: Policy, rows: ReadonlyArray<AnswerRow>, options: CollectOptions): Answer[] => {
	const { model, codec } = policy;
	const ids = rows.map((r) => codec.promptIds(r.built));
	// long contexts: rows in as many calls as the attention budget needs (short ones: one call)
	const C = model.config.contextLength;
	const length = Math.min(C, Math.max(1, ...ids.map((p) => p.length)) + (options.maxNewTokens ?? 32));
	const per = attentionRows(model.config, Math.max(1, rows.length), length);
	if (per < rows.length) {
		const out: Answer[] = [];
		for (let i = 0; i < rows.length; i += per) out.push(...localAnswers(policy, rows.slice(i, i + per), options));
		return out;
	}
	const gens = generate(model, ids, {
		maxNewTokens: options.maxNewTokens ?? 32,
		stopToken: codec.stopIds,
		padToken: codec.padId,
		greedy: options.greedy ?? false,
		rngs: rows.map((r) => r.rng),
		...(options.greedyMembers ? { greedyRows: rows.map((r) => r.greedy) } : {}),
		banned: codec.bannedIds,
		...(options.useCache !== undefined ? { useCache: options.useCache } : {}),
		...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
		...(options.topP !== undefined ? { topP: options.topP } : {}),
	});
	return gens.map((g, i) => ({
		promptIds: ids[i] as number[],
		tokens: g.tokens,
		logProbs: g.logProbs,
		response: codec.decodeAnswer(g.tokens),
	}));
};

const runWave = (
	policy: Policy,
	envs: ReadonlyArray<ManagedEnv>,
	wave: Wave,
	options: CollectOptions,
): Trajectory[] => {
	const steps = waveSteps(envs, wave, options);
	for (let next = steps.next(); ; ) {
		if (next.done) return next.value;
		next = steps.next(localAnswers(policy, next.value, options));
	}
};

/**
 * Like {@link collectRollouts}, with answers from an asynchronous answerer (e.g. a model behind an
 * OpenAI-compatible server): the same episodes, prompts, projection and trajectory records; each
 * batch of rows is handed to `answer` and the env steps once its answers arrive.
 */
export const collectRolloutsWith = async (
	answer: (rows: ReadonlyArray<AnswerRow>) => Promise<ReadonlyArray<Answer>>,
	envs: ReadonlyArray<ManagedEnv>,
	options: CollectOptions,
): Promise<Trajectory[]> => {
	const out: Trajectory[] = [];
	for (const wave of waves(envs, options, "collectRolloutsWith")) {
		const steps = waveSteps(envs, wave, options);
		for (let next = steps.next(); ; ) {
			if (next.done) {
				out.push(...next.value);
				break;
			}
			next = steps.next(await answer(next.value));
		}
	}
	return out;
};

/**
 * One wave of episodes in lock-step: yields the rows of each generation batch, receives their
 * answers, steps the envs, and returns the wave's trajectories.
 */
function* waveSteps(
	envs: ReadonlyArray<ManagedEnv>,
	{ tasks, groupSize, first }: Wave,
	options: CollectOptions,
): Generator<AnswerRow[], Trajectory[], ReadonlyArray<Answer>> {
	const episodes: Episode[] = [];
	tasks.forEach((request, g) => {
		const groupId = `${options.groupPrefix ?? ""}${request.split}-${request.seed}-${request.index}`;
		for (let k = 0; k < groupSize; k++) {
			const env = envs[g * groupSize + k] as ManagedEnv;
			const reset = env.reset(request);
			episodes.push({
				env,
				request,
				task: reset.task,
				memory: new EpisodeMemory(reset.task, reset.observation),
				steps: [],
				groupId,
				id: `${groupId}/${k}`,
				rng: new Rng(hashSeed(options.seed ?? 0, "rollout", (first + g) * groupSize + k)),
				greedy: k < (options.greedyMembers ?? 0),
				score: 0,
				won: false,
				done: false,
			});
		}
	});
	const batchSize = options.batchSize ?? 64;
	while (episodes.some((e) => !e.done)) {
		const running = episodes.filter((e) => !e.done);
		for (let start = 0; start < running.length; start += batchSize) {
			const chunk = running.slice(start, start + batchSize);
			const prompts = chunk.map((e) => {
				const style = options.style ?? e.env.spec.promptStyle;
				const built = buildPrompt(
					e.env.prompts,
					e.memory,
					style,
					options.historyLength ?? e.env.spec.historyLength,
					e.env.admissibleActions(),
				);
				return { style, built };
			});
			const answers = yield chunk.map((e, i) => ({
				built: (prompts[i] as (typeof prompts)[number]).built,
				rng: e.rng,
				greedy: (options.greedy ?? false) || e.greedy,
			}));
			chunk.forEach((e, i) => {
				const p = prompts[i] as (typeof prompts)[number];
				const gen = answers[i] as Answer;
				const response = gen.response;
				const projection = e.env.prompts.project(response, p.style);
				const stateKey = e.env.stateKey();
				const observation = e.memory.observation;
				let reward = 0;
				let terminated = false;
				let truncated: boolean;
				let valid = projection.valid;
				let nextObservation: string;
				if (projection.action === undefined) {
					truncated = e.env.skipStep().truncated;
					nextObservation = projection.feedback ?? observation;
					valid = false;
				} else {
					const r = e.env.step(projection.action);
					reward = r.reward;
					terminated = r.terminated;
					truncated = r.truncated;
					valid = valid && r.info.valid;
					e.score = r.info.score;
					e.won = e.won || r.info.won;
					nextObservation = r.observation;
				}
				e.memory.record({ observation, action: projection.action ?? response, response, nextObservation });
				e.steps.push({
					t: e.steps.length,
					...(options.keepPromptText ? { prompt: promptText(p.built) } : {}),
					promptIds: gen.promptIds,
					actionIds: gen.tokens,
					logProbs: gen.logProbs,
					response,
					action: projection.action ?? "",
					valid,
					reward,
					stateKey,
					nextStateKey: e.env.stateKey(),
					terminated,
					truncated,
					won: e.won,
					score: e.score,
				});
				e.done = terminated || truncated || e.env.done;
			});
		}
	}
	return episodes.map((e) => ({
		id: e.id,
		groupId: e.groupId,
		env: e.env.spec.id,
		taskId: e.task.id,
		...(e.task.type !== undefined ? { taskType: e.task.type } : {}),
		seed: e.request.seed,
		split: e.request.split,
		index: e.request.index,
		steps: e.steps,
		won: e.won,
		score: e.score,
		...(options.meta !== undefined ? { meta: { ...options.meta } } : {}),
	}));
}

/** Fraction of trajectories that won. */
export const successRate = (trajectories: ReadonlyArray<Trajectory>): number =>
	trajectories.length === 0 ? 0 : trajectories.filter((t) => t.won).length / trajectories.length;
