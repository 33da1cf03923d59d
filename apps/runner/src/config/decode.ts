import { readFileSync } from "node:fs";
import { schemaErrorKey } from "@stepwise/core";
import { Effect, Exit, Schema } from "effect";
import { stringify as toYaml } from "yaml";
import { applyOverrides, ConfigError, deepMerge, isTree, parseConfigText } from "./overrides.ts";

/**
 * Resolve a config: the schema's defaults, then the YAML file (if any), then the dotted overrides,
 * decoded with the schema. Unknown keys and bad values are `ConfigError`s naming the key.
 */
export const resolveConfig = <A>(
	schema: Schema.Decoder<A>,
	options: {
		readonly file?: string | undefined;
		readonly overrides?: ReadonlyArray<string>;
		readonly base?: { readonly [key: string]: unknown };
	},
): Effect.Effect<A, ConfigError> =>
	Effect.suspend(() => {
		const source = options.file ?? "command line";
		const built = configTree(options.base ?? {}, options.file, options.overrides);
		if (built instanceof ConfigError) return Effect.fail(built);
		const tree = built;
		const exit = Schema.decodeUnknownExit(schema)(tree, { onExcessProperty: "error" });
		if (Exit.isSuccess(exit)) return Effect.succeed(exit.value);
		const err = exit.cause.reasons.find((r) => r._tag === "Fail")?.error;
		const key = err !== undefined ? schemaErrorKey(err) : "(root)";
		const detail = err !== undefined ? (err.message.split("\n")[0] ?? "") : String(exit.cause);
		return Effect.fail(new ConfigError({ key, source, message: `config key ${key}: ${detail}` }));
	});

/**
 * The dotted keys a run sets itself: the leaves of its config file, its key=value overrides and the
 * command's own additions (`extra`), the keys whose values come before an env spec's defaults.
 */
export const explicitKeys = (options: {
	readonly file?: string | undefined;
	readonly overrides?: ReadonlyArray<string>;
	readonly extra?: { readonly [key: string]: unknown };
}): Effect.Effect<ReadonlySet<string>, ConfigError> =>
	Effect.suspend(() => {
		const tree = configTree(options.extra ?? {}, options.file, options.overrides);
		if (tree instanceof ConfigError) return Effect.fail(tree);
		const keys = new Set<string>();
		const walk = (node: unknown, prefix: string) => {
			if (prefix !== "") keys.add(prefix);
			if (isTree(node)) for (const [k, v] of Object.entries(node)) walk(v, prefix === "" ? k : `${prefix}.${k}`);
		};
		walk(tree, "");
		return Effect.succeed(keys);
	});

/** `base`, then the YAML file (if any), then the dotted overrides, as one tree; or the `ConfigError` naming what is wrong. */
const configTree = (
	base: { readonly [key: string]: unknown },
	file: string | undefined,
	overrides: ReadonlyArray<string> | undefined,
): { [key: string]: unknown } | ConfigError => {
	try {
		let tree: { [key: string]: unknown } = { ...base };
		if (file !== undefined) tree = deepMerge(tree, parseConfigText(readConfigFile(file), file));
		return applyOverrides(tree, overrides ?? []);
	} catch (error) {
		if (error instanceof ConfigError) return error;
		throw error;
	}
};

const readConfigFile = (file: string): string => {
	try {
		return readFileSync(file, "utf8");
	} catch (error) {
		throw new ConfigError({ key: "(file)", source: file, message: `cannot read config ${file}: ${String(error)}` });
	}
};

/** The resolved config as YAML, for `config.yaml` in the run directory. */
export const configToYaml = (config: unknown): string => toYaml(config);
