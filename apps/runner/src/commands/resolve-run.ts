import { existsSync } from "node:fs";
import { join } from "node:path";
import { Effect, Option } from "effect";
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
) =>
	Effect.gen(function* () {
		const backend = Option.isSome(flags.backend) ? { backend: flags.backend.value } : {};
		const layered = (base: RunConfig) =>
			Effect.flatMap(
				resolveConfig(RunConfig, { file: Option.getOrUndefined(flags.config), overrides: flags.overrides, base }),
				(c) => resolveConfig(RunConfig, { base: deepMerge(deepMerge(c, extra), backend) }),
			);
		const fresh = yield* layered(defaultConfig);
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
				extra: deepMerge(extra, backend),
			});
			const ctx = yield* stageContext(fresh, undefined, explicit);
			const run = yield* runDirs.open(path, ctx.log);
			return yield* openRun(ctx, run);
		}
		const run = yield* runDirs.open(path, (yield* StageLog).print);
		const saved = yield* resolveConfig(RunConfig, { file: savedPath, base: defaultConfig });
		const before = (yield* stageContext(saved)).config;
		const ctx = yield* stageContext(yield* layered(saved));
		const changes = checkReuse(run, before, ctx.config, savedPath);
		if (changes instanceof ConfigError) return yield* changes;
		for (const line of changes) ctx.log(line);
		return yield* openRun(ctx, run);
	});

/** Select the backend, save the resolved config in the run directory and name it. */
const openRun = (ctx: StageContext, run: RunDir) =>
	Effect.gen(function* () {
		yield* initCompute(ctx.config);
		yield* writeRunFile(join(run.path, "config.yaml"), configToYaml(ctx.config));
		ctx.log(`run directory: ${run.path}`);
		return { config: ctx.config, run, ctx } satisfies ResolvedRun;
	});
