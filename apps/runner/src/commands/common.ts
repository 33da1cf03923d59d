import { readFileSync } from "node:fs";
import { Effect, Option } from "effect";
import { Argument, Flag } from "effect/cli";
import { ConfigError } from "../config/overrides.ts";

/**
 * The flags the training commands share. This module loads no model code: the commands' handlers
 * import the stages when they run (see `stages.ts`), so `--help`, `credit` and `envs` start fast.
 */
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
