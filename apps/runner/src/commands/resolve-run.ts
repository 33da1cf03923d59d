import { existsSync } from "node:fs";
import { join } from "node:path";
import type { HfModelError } from "@stepwise/core/hf/errors";
import { readHfConfig } from "@stepwise/core/hf/load";
import { hfModelDirOf } from "@stepwise/core/hf/policy";
import { CHECKPOINT_FILES, readCheckpointConfig } from "@stepwise/core/policy/index";
import { Effect, Option, Result } from "effect";
import { configToYaml, explicitKeys, resolveConfig } from "../config/decode.ts";
import { ConfigError, deepMerge } from "../config/overrides.ts";
import { defaultConfig, RunConfig } from "../config/schema.ts";
import { writeRunFile } from "../runs/files.ts";
import type { RunDir } from "../runs/run-dir.ts";
import { RunDirectories, StageLog } from "../services.ts";
import { initCompute, runDirPath, type StageContext, stageContext } from "../stages/context.ts";
import { checkReuse } from "../stages/reuse.ts";
import type { RunFlags } from "./common.ts";

/** A resolved run: its config, directory and stage context (backend selected and printed). */
export interface ResolvedRun {
	readonly config: RunConfig;
	readonly run: RunDir;
	readonly ctx: StageContext;
}

/**
 * Resolve a command's config and open its run directory. A new directory starts from the defaults
 * (`model.contextLength` and `rollout.maxNewTokens` from the env spec's, unless the run sets them);
 * a directory that holds a `config.yaml` (`--resume`, or `--run-dir` naming an earlier run) starts
 * from that saved config, so one directory keeps one config across commands (e.g. `stepwise sft`
 * then `stepwise train`). Then come `--config`, key=value overrides and flags; a change to a key
 * that an output already in the directory depends on is refused ({@link checkReuse}), the others are
 * printed. The resolved config is saved as `config.yaml`, and the backend selected. The directory is
 * locked ({@link RunDirectories}) until the command's scope closes.
 */
export const resolveRun = (
	flags: RunFlags,
	method: string | ((config: RunConfig) => string),
	extra: Record<string, unknown> = {},
	policy?: string,
) =>
	Effect.gen(function* () {
		const backend = Option.isSome(flags.backend) ? { backend: flags.backend.value } : {};
		// evaluation trains nothing: the memory training the model would take is not its limit
		const evaluates = method === "eval";
		const fromPolicy = policy !== undefined ? yield* policyFallback(policy, flags) : { fallback: {}, notes: [] };
		const layered = (base: RunConfig) =>
			Effect.flatMap(
				resolveConfig(RunConfig, { file: Option.getOrUndefined(flags.config), overrides: flags.overrides, base }),
				(c) => resolveConfig(RunConfig, { base: deepMerge(deepMerge(c, extra), backend) }),
			);
		const fresh = yield* layered(deepMerge(defaultConfig, fromPolicy.fallback) as RunConfig);
		const path = runDirPath(fresh, typeof method === "string" ? method : method(fresh), {
			runDir: Option.getOrUndefined(flags.runDir),
			resume: flags.resume,
		});
		const savedPath = join(path, "config.yaml");
		const runDirs = yield* RunDirectories;
		// the env spec and its options are checked before a run directory is made
		if (!existsSync(savedPath)) {
			const explicit = yield* explicitKeys({
				file: Option.getOrUndefined(flags.config),
				overrides: flags.overrides,
				extra: deepMerge(deepMerge(fromPolicy.fallback, extra), backend),
			});
			const ctx = yield* stageContext(fresh, undefined, { explicit, trains: !evaluates });
			const run = yield* runDirs.open(path, ctx.log);
			for (const line of fromPolicy.notes) ctx.log(line);
			return yield* openRun(ctx, run);
		}
		const run = yield* runDirs.open(path, (yield* StageLog).print);
		const saved = yield* resolveConfig(RunConfig, { file: savedPath, base: defaultConfig });
		const before = (yield* stageContext(saved, undefined, { trains: !evaluates })).config;
		const ctx = yield* stageContext(yield* layered(saved), undefined, { trains: !evaluates });
		const changes = checkReuse(run, before, ctx.config, savedPath);
		if (changes instanceof ConfigError) return yield* changes;
		for (const line of changes) ctx.log(line);
		return yield* openRun(ctx, run);
	});

/**
 * What a policy checkpoint recorded about its training env, as config values below the run's own
 * keys: `env.spec`, `env.options`, `env.promptStyle`, `rollout.maxNewTokens` and the model's
 * `model.contextLength`, when the run does not set `env.spec` (or sets the recorded one). A run
 * that names another spec keeps it, with a warning; a checkpoint that records no env (written
 * before checkpoints recorded it) leaves the config as it is, with a warning. `expert`, `random`,
 * a served model and a path that is not a checkpoint (which loading it reports) give nothing. A
 * Hugging Face model directory (`hf:DIR`) gives its context length (`max_position_embeddings`),
 * and a directory that is not one fails here, before a run directory is made.
 */
export const policyFallback = (
	policy: string,
	flags: RunFlags,
): Effect.Effect<
	{ readonly fallback: Record<string, unknown>; readonly notes: ReadonlyArray<string> },
	ConfigError | HfModelError
> =>
	Effect.gen(function* () {
		const none = { fallback: {}, notes: [] };
		if (policy === "expert" || policy === "random" || policy.startsWith("openai:")) return none;
		const hf = hfModelDirOf(policy);
		if (hf !== undefined) {
			const config = yield* readHfConfig(hf);
			return { fallback: { model: { contextLength: config.contextLength } }, notes: [] };
		}
		if (!existsSync(join(policy, CHECKPOINT_FILES.config))) return none;
		const recorded = yield* Effect.result(readCheckpointConfig(policy));
		if (Result.isFailure(recorded)) return none;
		const explicit = yield* explicitKeys({ file: Option.getOrUndefined(flags.config), overrides: flags.overrides });
		const given = explicit.has("env.spec")
			? (yield* resolveConfig(RunConfig, {
					file: Option.getOrUndefined(flags.config),
					overrides: flags.overrides,
					base: defaultConfig,
				})).env.spec
			: undefined;
		const env = recorded.success.env;
		if (env === undefined)
			return {
				fallback: {},
				notes: [
					`warning: ${policy} records no env spec (a checkpoint written before checkpoints recorded it): using env.spec ${given ?? defaultConfig.env.spec}`,
				],
			};
		if (given !== undefined && given !== env.spec)
			return {
				fallback: {},
				notes: [
					`warning: ${policy} was trained on ${env.spec}, not on env.spec ${given}, which this run uses as asked`,
				],
			};
		return {
			fallback: {
				env: { spec: env.spec, options: env.options, promptStyle: env.promptStyle },
				model: {
					contextLength:
						"model" in recorded.success ? recorded.success.model.contextLength : recorded.success.llama.contextLength,
				},
				rollout: { maxNewTokens: env.maxNewTokens },
			},
			notes:
				given === undefined
					? [`${policy}: env ${env.spec} (${env.promptStyle} prompts), as recorded with the policy`]
					: [],
		};
	});

/** Select the backend, save the resolved config in the run directory and name it. */
const openRun = (ctx: StageContext, run: RunDir) =>
	Effect.gen(function* () {
		yield* initCompute(ctx.config);
		yield* writeRunFile(join(run.path, "config.yaml"), configToYaml(ctx.config));
		ctx.log(`run directory: ${run.path}`);
		return { config: ctx.config, run, ctx } satisfies ResolvedRun;
	});
