import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Effect, Option } from "effect";
import { Argument, Flag } from "effect/cli";
import { resolveConfig } from "../config/decode.ts";
import { ConfigError, deepMerge } from "../config/overrides.ts";
import { defaultConfig, RunConfig } from "../config/schema.ts";
import { RunDir } from "../runs/run-dir.ts";
import { initCompute, runDirPath, type StageContext, stageContext } from "../stages/context.ts";
import { checkReuse } from "../stages/reuse.ts";

/** The flags every training command shares. */
export const runFlags = {
	config: Flag.String("config").pipe(
		Flag.withAlias("c"),
		Flag.withDescription("YAML run config (see apps/runner/configs/); dotted key=value arguments override it"),
		Flag.optional,
	),
	backend: Flag.String("backend").pipe(
		Flag.withDescription("compute backend: auto, wasm, cpu, tensorflow, tensorflow-gpu (or STEPWISE_BACKEND)"),
		Flag.optional,
	),
	runDir: Flag.String("run-dir").pipe(
		Flag.withDescription("use this run directory (default runs/<env>__<method>__<seed>__<time>)"),
		Flag.optional,
	),
	resume: Flag.Boolean("resume").pipe(
		Flag.withDescription(
			"continue the newest run with the same env, method and seed (or --run-dir) from its last checkpoint",
		),
		Flag.withDefault(false),
	),
	overrides: Argument.String("key=value").pipe(
		Argument.withDescription("config overrides, e.g. env.spec=sokoban/6x6-1box-v0 train.lr=1e-4 seed=1"),
		Argument.variadic(),
	),
};

/** Decoded values of {@link runFlags}. */
export interface RunFlags {
	readonly config: Option.Option<string>;
	readonly backend: Option.Option<string>;
	readonly runDir: Option.Option<string>;
	readonly resume: boolean;
	readonly overrides: ReadonlyArray<string>;
}

/** Env options given as flags (e.g. Sokoban `--levels FILE`). */
export const levelsFlag = Flag.String("levels").pipe(
	Flag.withDescription("Sokoban: play the levels of this Boxoban-format file instead of generated ones"),
	Flag.optional,
);

/** Read `--levels FILE` into the `env.options.levels` tree. */
export const levelsOption = (levels: Option.Option<string>): Effect.Effect<Record<string, unknown>, ConfigError> =>
	Option.isNone(levels)
		? Effect.succeed({})
		: Effect.try({
				try: () => ({ env: { options: { levels: readFileSync(levels.value, "utf8") } } }),
				catch: (e) =>
					new ConfigError({
						key: "--levels",
						source: levels.value,
						message: `cannot read --levels ${levels.value}: ${String(e)}`,
					}),
			});

/** A resolved run: its config, directory and stage context (backend selected and printed). */
export interface ResolvedRun {
	readonly config: RunConfig;
	readonly run: RunDir;
	readonly ctx: StageContext;
}

/**
 * Resolve a command's config and open its run directory. A new directory starts from the defaults;
 * a directory that holds a `config.yaml` (`--resume`, or `--run-dir` naming an earlier run) starts
 * from that saved config, so one directory keeps one config across commands (e.g. `stepwise sft`
 * then `stepwise train`). Then come `--config`, key=value overrides and flags; a change to a key
 * that an output already in the directory depends on is refused ({@link checkReuse}), the others are
 * printed. The resolved config is saved as `config.yaml`, and the backend selected.
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
		// the env spec and its options are checked before a run directory is made
		if (!existsSync(savedPath)) {
			const ctx = yield* stageContext(fresh);
			return yield* openRun(ctx, new RunDir(path));
		}
		const saved = yield* resolveConfig(RunConfig, { file: savedPath, base: defaultConfig });
		const before = (yield* stageContext(saved)).config;
		const ctx = yield* stageContext(yield* layered(saved));
		const run = new RunDir(path);
		const changes = checkReuse(run, before, ctx.config, savedPath);
		if (changes instanceof ConfigError) return yield* changes;
		for (const line of changes) ctx.log(line);
		return yield* openRun(ctx, run);
	});

/** Select the backend, save the resolved config in the run directory and name it. */
const openRun = (ctx: StageContext, run: RunDir) =>
	Effect.gen(function* () {
		yield* initCompute(ctx.config);
		run.writeConfig(ctx.config);
		ctx.log(`run directory: ${run.path}`);
		return { config: ctx.config, run, ctx } satisfies ResolvedRun;
	});
