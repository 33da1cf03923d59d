import { existsSync, readdirSync, statSync } from "node:fs";
import { availableParallelism, totalmem } from "node:os";
import { join } from "node:path";
import {
	type DuplicateEnvError,
	type EnvConfigError,
	type EnvEntryPoint,
	type EnvPluginLoadError,
	EnvRegistry,
	loadEnvPlugin,
	type ManagedEnv,
	type PromptStyle,
	type RegisteredSpec,
	type ResetRequest,
	type UnknownEnvSpecError,
} from "@stepwise/core";
import { workerModelOf } from "@stepwise/core/hf/worker-model";
import {
	type BackendError,
	type BackendSelection,
	currentBackendSelection,
	formatBackendSelection,
} from "@stepwise/core/ml";
import {
	attentionRows,
	type CheckpointEnv,
	codecTokenizerSpec,
	makeEnvs,
	type Policy,
	RolloutPool,
	type RolloutWorkerInit,
} from "@stepwise/core/policy/index";
import { Console, Effect, type Scope } from "effect";
import { ConfigError } from "../config/overrides.ts";
import { defaultConfig, type RunConfig, withSpecDefaults } from "../config/schema.ts";
import { RolloutWorkersError } from "../errors.ts";
import { runName } from "../runs/run-dir.ts";
import { Compute, StageLog } from "../services.ts";

/** What every stage works with: the resolved config, the env spec and its plugin, and a line printer. */
export interface StageContext {
	readonly config: RunConfig;
	readonly registered: RegisteredSpec;
	readonly log: (line: string) => void;
	/** The plugin `env.plugin` named, loaded and registered (rollout workers load it too). */
	readonly plugin?: EnvEntryPoint;
}

/**
 * First train-split index of the run's validation tasks: SFT's validation demonstrations and RL's
 * periodic evaluation (`train.evalOn: validation`). Training stages take train-split tasks from 0 up.
 */
export const VALIDATION_OFFSET = 1_000_000;

/**
 * First train-split index of the exploration tasks (SPA's progress-estimator data). SFT takes
 * tasks from 0 and RL from `sft.episodes`, so exploration settings never move the levels RL trains on.
 */
export const EXPLORATION_OFFSET = 500_000;

/**
 * Train-split tasks an RL iteration draws: `rollout.groups`, or the candidates when screening
 * (`rollout.screen`) or filtering (`rollout.filterRounds` rounds of `rollout.groups`).
 */
const rlTasksPerIteration = (c: RunConfig): number =>
	c.rollout.screen > 0
		? c.rollout.screen
		: c.rollout.filterRounds > 0
			? c.rollout.groups * c.rollout.filterRounds
			: c.rollout.groups;

/** RL iteration i's tasks (1-based; the candidates when screening or filtering): train-split tasks from `sft.episodes` on. */
export const rlTasks = (c: RunConfig, i: number): ResetRequest[] => {
	const n = rlTasksPerIteration(c);
	return taskRange(c.seed, c.env.trainSplit, n, c.sft.episodes + (i - 1) * n);
};

/**
 * Rules between keys that the per-key schema cannot state (RL's groups, and the stages' train-split
 * task ranges, which must not overlap): the first one broken, with its key.
 */
export const brokenRelation = (
	c: RunConfig,
	trains = true,
): { readonly key: string; readonly message: string } | undefined => {
	const r = c.rollout;
	const m = c.model;
	if (m.dModel % m.nHeads !== 0)
		return { key: "model.nHeads", message: `${m.nHeads} heads must divide model.dModel (${m.dModel})` };
	if (m.contextLength <= r.maxNewTokens)
		return {
			key: "model.contextLength",
			message: `${m.contextLength} tokens leave no room for a prompt before an answer of rollout.maxNewTokens (${r.maxNewTokens})`,
		};
	if (r.workers > maxWorkers())
		return {
			key: "rollout.workers",
			message: `${r.workers} worker threads, each with its own backend, would swamp this machine's ${availableParallelism()} cores: at most ${maxWorkers()}`,
		};
	const bytes = trains ? trainingBytes(c) : 0;
	if (bytes > memoryLimit())
		return {
			key: costliestKey(c),
			message: `this model needs about ${gib(bytes)} GiB to train (weights, Adam, activations), more than the ${gib(memoryLimit())} GiB allowed (STEPWISE_MEMORY_GB, default 3/4 of this machine's memory)`,
		};
	if (r.greedyMembers >= r.groupSize)
		return {
			key: "rollout.greedyMembers",
			message: `${r.greedyMembers} must be smaller than rollout.groupSize (${r.groupSize}): a group needs sampled members`,
		};
	if (r.screen > 0 && r.screen < r.groups)
		return {
			key: "rollout.screen",
			message: `${r.screen} screened tasks cannot fill rollout.groups (${r.groups}): use 0 (off) or at least ${r.groups}`,
		};
	if (c.train.data === "exploration" && (r.screen > 0 || r.filterRounds > 0))
		return {
			key: "train.data",
			message: "exploration: RL plays no tasks offline, so rollout.screen and rollout.filterRounds must be 0",
		};
	if (r.screen > 0 && r.filterRounds > 0)
		return {
			key: "rollout.filterRounds",
			message: "rollout.screen and rollout.filterRounds both pick an iteration's tasks: set one of them to 0",
		};
	const rlEnd = c.sft.episodes + c.train.iterations * rlTasksPerIteration(c);
	if (rlEnd > EXPLORATION_OFFSET)
		return {
			key: "train.iterations",
			message: `SFT and RL would use train tasks up to index ${rlEnd}, into exploration's (from ${EXPLORATION_OFFSET})`,
		};
	if (EXPLORATION_OFFSET + c.progress.tasks > VALIDATION_OFFSET)
		return {
			key: "progress.tasks",
			message: `exploration would use train tasks up to index ${EXPLORATION_OFFSET + c.progress.tasks}, into validation's (from ${VALIDATION_OFFSET})`,
		};
	return undefined;
};

/** The most worker threads a run may start: four per core (each loads its own backend). */
export const maxWorkers = (): number => 4 * availableParallelism();

const gib = (bytes: number): string => (bytes / 2 ** 30).toFixed(1);

/** The memory a command may plan for: `STEPWISE_MEMORY_GB`, or 3/4 of the machine's memory. */
export const memoryLimit = (): number => {
	const given = Number(process.env.STEPWISE_MEMORY_GB);
	return Number.isFinite(given) && given > 0 ? given * 2 ** 30 : totalmem() * 0.75;
};

/**
 * An upper estimate of the bytes training the configured model takes (float32): the weights six
 * times over (weights, gradients, Adam's two moments, the frozen reference, SFT's best weights) and
 * the activations a backward pass keeps for the largest batch (SFT's, RL's mini-batch or a rollout
 * batch; at long contexts the rows of one pass that the attention budget holds) over the whole context. A vocabulary of 4,096 tokens is assumed (the built tokenizers are
 * smaller); checked before anything is allocated, so a huge `model.dModel` is refused, not an OOM.
 */
export const trainingBytes = (c: RunConfig): number => {
	const m = c.model;
	const vocab = 4096;
	const perBlock = 12 * m.dModel * m.dModel + 2 * m.dModel * m.dFF;
	const params = m.nLayers * perBlock + (2 * vocab + m.contextLength) * m.dModel;
	const batch = Math.max(c.sft.batchSize, c.train.miniBatchSize, c.rollout.batchSize);
	// attention's T×T scores are held for one pass's rows only (attentionRows cuts long contexts)
	const rows = attentionRows(m, batch);
	const perToken = m.nLayers * (12 * m.dModel + 2 * m.dFF) + 2 * vocab;
	const attention = m.nLayers * 2 * m.nHeads * m.contextLength;
	return 4 * (6 * params + m.contextLength * (batch * perToken + rows * attention));
};

/** The sizes {@link trainingBytes} grows with, as [section, key]. */
const sizeKeys = [
	["model", "dModel"],
	["model", "dFF"],
	["model", "nLayers"],
	["model", "contextLength"],
	["model", "nHeads"],
	["sft", "batchSize"],
	["train", "miniBatchSize"],
	["rollout", "batchSize"],
] as const;

/** The size key whose default value would save the most memory: the one to name when the estimate is too big. */
const costliestKey = (c: RunConfig): string => {
	let best: { key: string; bytes: number } = { key: "model.dModel", bytes: trainingBytes(c) };
	for (const [section, key] of sizeKeys) {
		const at = {
			...c,
			[section]: { ...c[section], [key]: (defaultConfig[section] as unknown as Record<string, number>)[key] },
		};
		const bytes = trainingBytes(at as RunConfig);
		if (bytes < best.bytes) best = { key: `${section}.${key}`, bytes };
	}
	return best.key;
};

/** `n` consecutive tasks of a split (indices from `offset`), all with the run's seed. */
export const taskRange = (seed: number, split: string, n: number, offset = 0): ResetRequest[] =>
	Array.from({ length: n }, (_, i) => ({ seed, split, index: offset + i }));

/** `n` envs of the spec with the config's plugin options, each under the framework's step limit. */
export const envPool = (ctx: StageContext, n: number): Effect.Effect<ManagedEnv[], EnvConfigError> =>
	makeEnvs(ctx.registered.plugin, ctx.registered.spec, n, ctx.config.env.options);

/**
 * Register the plugin `env.plugin` names (if any), look the spec up in the registry, check its
 * options by making one env (a bad option fails here, named) and resolve the splits (`auto`: the
 * spec's first split for training, its last for evaluation) and the prompt style (`auto`: the
 * spec's). With `explicit` (a fresh run's own keys, {@link explicitKeys}), the spec's policy
 * defaults fill `model.contextLength` and `rollout.maxNewTokens` where the run did not set them;
 * with `trains: false` (evaluation) the memory that training the model would take is not checked.
 */
export const stageContext = (
	given: RunConfig,
	print?: (line: string) => void,
	options: { readonly explicit?: ReadonlySet<string>; readonly trains?: boolean } = {},
): Effect.Effect<
	StageContext,
	ConfigError | UnknownEnvSpecError | EnvConfigError | EnvPluginLoadError | DuplicateEnvError,
	EnvRegistry
> =>
	Effect.gen(function* () {
		const log = print ?? (yield* StageLog).print;
		const registry = yield* EnvRegistry;
		const plugin = given.env.plugin === "" ? undefined : yield* loadEnvPlugin(given.env.plugin);
		const registered = yield* registry.resolve(given.env.spec);
		const config =
			options.explicit !== undefined ? withSpecDefaults(given, registered.spec.defaults, options.explicit) : given;
		const broken = brokenRelation(config, options.trains ?? true);
		if (broken !== undefined)
			return yield* new ConfigError({
				key: broken.key,
				source: "config",
				message: `config key ${broken.key}: ${broken.message}`,
			});
		yield* registry.make(config.env.spec, config.env.options);
		const splits = registered.spec.splits;
		const pick = (key: "trainSplit" | "evalSplit", auto: string | undefined): string | ConfigError => {
			const value = config.env[key] === "auto" ? auto : config.env[key];
			return value !== undefined && splits.includes(value)
				? value
				: new ConfigError({
						key: `env.${key}`,
						source: "config",
						message: `config key env.${key}: ${config.env.spec} has no split "${value ?? ""}" (splits: ${splits.join(", ")})`,
					});
		};
		const trainSplit = pick("trainSplit", splits[0]);
		if (trainSplit instanceof ConfigError) return yield* trainSplit;
		const evalSplit = pick("evalSplit", splits.at(-1));
		if (evalSplit instanceof ConfigError) return yield* evalSplit;
		const promptStyle = config.env.promptStyle === "auto" ? registered.spec.promptStyle : config.env.promptStyle;
		const env = { ...config.env, trainSplit, evalSplit, promptStyle };
		return { config: { ...config, env }, registered, log, ...(plugin !== undefined ? { plugin } : {}) };
	});

/** Select the compute backend ({@link Compute}; `STEPWISE_BACKEND` over the config's `backend`) and print the selection. */
export const initCompute = (config: RunConfig): Effect.Effect<BackendSelection, BackendError> =>
	Effect.gen(function* () {
		const fromEnv = process.env.STEPWISE_BACKEND;
		const compute = yield* Compute;
		const selection = yield* compute.select(fromEnv !== undefined && fromEnv !== "" ? undefined : config.backend);
		yield* Console.log(formatBackendSelection(selection));
		return selection;
	});

/**
 * The run directory's path: `--run-dir` when given; with `resume`, the newest `<env>__<method>__<seed>__*`
 * directory under `runsDir`; otherwise a new `runs/<env>__<method>__<seed>__<time>/`.
 */
export const runDirPath = (
	config: RunConfig,
	method: string,
	options: { readonly runDir?: string | undefined; readonly resume?: boolean },
): string => {
	if (options.runDir !== undefined) return options.runDir;
	if (options.resume) {
		const prefix = runName(config.env.spec, method, config.seed, 0).replace(/0$/, "");
		const found = existsSync(config.runsDir)
			? readdirSync(config.runsDir)
					.filter((d) => d.startsWith(prefix))
					.map((d) => join(config.runsDir, d))
					.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
			: [];
		if (found[0] !== undefined) return found[0];
	}
	return join(config.runsDir, runName(config.env.spec, method, config.seed));
};

/** The run's prompt style: `env.promptStyle`, or the spec's for `auto` (which {@link stageContext} resolves). */
export const promptStyleOf = (ctx: StageContext): PromptStyle =>
	ctx.config.env.promptStyle === "auto" ? ctx.registered.spec.promptStyle : ctx.config.env.promptStyle;

/** The environment a checkpoint of this run records (spec, options, prompt style, answer length). */
export const checkpointEnvOf = (ctx: StageContext): CheckpointEnv => ({
	spec: ctx.config.env.spec,
	options: ctx.config.env.options,
	promptStyle: promptStyleOf(ctx),
	maxNewTokens: ctx.config.rollout.maxNewTokens,
});

/** The fit of update/scoring rows: the model's context and the rollout's answer length. */
export const fitOf = (policy: Policy, config: RunConfig) => ({
	contextLength: policy.model.config.contextLength,
	maxNewTokens: config.rollout.maxNewTokens,
});

/**
 * The warning a stage prints (once) when generation cut prompts to fit the context: how many steps
 * of how many, and the keys that make room.
 */
export const truncationWarning = (stage: string, truncated: number, steps: number, config: RunConfig): string =>
	`${stage}: warning: ${truncated} of ${steps} steps (${((100 * truncated) / Math.max(1, steps)).toFixed(1)} %) had their prompt cut from the left to fit model.contextLength ${config.model.contextLength} with rollout.maxNewTokens ${config.rollout.maxNewTokens}`;

/** Round `x` for printing. */
export const fmt = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

/**
 * Let the event loop run once. Training steps are synchronous, so a stage's loop yields with this
 * between steps: SIGINT / SIGTERM (which interrupt the CLI's main fiber) then take effect there,
 * not at the end of the run.
 */
export const yieldToEventLoop: Effect.Effect<void> = Effect.promise(
	() => new Promise<void>((resolve) => setImmediate(resolve)),
);

/**
 * The stage's rollout workers (`rollout.workers`; a pool of none for 0, which plays everything in
 * the main thread), stopped when the stage's scope closes. Each gets the backend, the env registry of this runner's plugins (and `env.plugin`'s), the spec with its
 * options, and envs for its share of a call of `episodes` episodes (at most 64: more run in waves).
 */
export const startRolloutPool = (
	ctx: StageContext,
	policy: Policy,
	episodes: number,
	work = "rollouts",
): Effect.Effect<RolloutPool, RolloutWorkersError, Scope.Scope> =>
	Effect.gen(function* () {
		const { config } = ctx;
		const workers = config.rollout.workers;
		const init: RolloutWorkerInit = {
			backend: currentBackendSelection()?.name ?? config.backend,
			envModule: new URL("../plugins.ts", import.meta.url).href,
			envExport: "EnvironmentsLive",
			...(ctx.plugin !== undefined ? { envPlugins: [ctx.plugin] } : {}),
			specId: config.env.spec,
			envOptions: config.env.options,
			envs: Math.min(64, Math.max(config.rollout.groupSize, Math.ceil(episodes / (workers + 1)))),
			modelConfig: workerModelOf(policy.model),
			tokenizer: codecTokenizerSpec(policy.codec),
		};
		const pool = yield* Effect.acquireRelease(
			Effect.tryPromise({
				try: () => RolloutPool.start(init, workers),
				catch: (e) =>
					new RolloutWorkersError({
						message: `rollout.workers=${workers}: the worker threads did not start: ${e instanceof Error ? e.message : String(e)}`,
					}),
			}),
			(p) => Effect.promise(() => p.close()),
		);
		if (workers > 0) ctx.log(`${work}: ${workers} worker thread${workers === 1 ? "" : "s"} beside the main thread`);
		return pool;
	});
