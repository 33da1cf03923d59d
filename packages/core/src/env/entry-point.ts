import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Effect, Layer, Schema } from "effect";
import type { DuplicateEnvError } from "./errors.ts";
import { EnvRegistry } from "./registry.ts";
import type { EnvPlugin } from "./types.ts";

/**
 * An environment plugin named by an entry point could not be loaded: the module is not found, fails
 * on import, or does not export a plugin (or a Layer registering one) under the name.
 */
export class EnvPluginLoadError extends Schema.TaggedError<EnvPluginLoadError>()("EnvPluginLoadError", {
	entryPoint: Schema.String,
	message: Schema.String,
}) {}

/** A plugin entry point resolved to a module URL and the export to take from it. */
export interface EnvEntryPoint {
	/** The entry point as given (`@scope/env-x`, `./my-env.ts:plugin`). */
	readonly entryPoint: string;
	/** `file:` URL of the module (the same in every thread). */
	readonly url: string;
	/** The export that holds the plugin or its registering Layer (default `layer`). */
	readonly exportName: string;
}

/** A package's entry file as an ESM import from `dir` would find it (Bun's resolver; Node's `require` one elsewhere). */
const resolvePackage = (module: string, dir: string): string => {
	const bun = (globalThis as { readonly Bun?: { resolveSync(specifier: string, from: string): string } }).Bun;
	return bun !== undefined ? bun.resolveSync(module, dir) : createRequire(join(dir, "package.json")).resolve(module);
};

/** A path (`./x.ts`, `/abs/x.ts`, or the name of an existing file under `from`) rather than a package name. */
const isPath = (module: string, from: string): boolean =>
	module.startsWith(".") || isAbsolute(module) || existsSync(resolve(from, module));

/**
 * Resolves an entry point as Gymnasium's `entry_point` reads (`"module:attr"`): `module` is a file
 * path (relative to `from`, default the working directory; or a `file:` URL) or else a package name
 * (resolved as an import from the project in `from`); `attr` names the export, `layer` when omitted
 * — what every plugin package exports (`export const layer = registerEnv(plugin)`). An `EnvPlugin`
 * value works too.
 */
export const resolveEnvEntryPoint = (
	entryPoint: string,
	from: string = process.cwd(),
): Effect.Effect<EnvEntryPoint, EnvPluginLoadError> =>
	Effect.try({
		try: () => {
			// the last colon separates the export, unless it is the scheme's of a file: URL
			const colon = entryPoint.lastIndexOf(":");
			const split = colon > 0 && !(colon === 4 && entryPoint.startsWith("file:"));
			const module = split ? entryPoint.slice(0, colon) : entryPoint;
			const exportName = split ? entryPoint.slice(colon + 1) : "layer";
			if (module === "" || exportName === "") throw new Error('expected "module" or "module:export"');
			if (module.startsWith("file:")) return { entryPoint, url: module, exportName };
			const path = isPath(module, from) ? resolve(from, module) : resolvePackage(module, resolve(from));
			return { entryPoint, url: pathToFileURL(path).href, exportName };
		},
		catch: (e) =>
			new EnvPluginLoadError({
				entryPoint,
				message: `environment plugin "${entryPoint}": ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`,
			}),
	});

const isEnvPlugin = (x: unknown): x is EnvPlugin => {
	const p = x as Partial<EnvPlugin> | null;
	return (
		typeof p === "object" &&
		p !== null &&
		typeof p.id === "string" &&
		Array.isArray(p.specs) &&
		typeof p.make === "function"
	);
};

/**
 * Imports a resolved entry point and registers its plugin into the `EnvRegistry`: the export is an
 * `EnvPlugin` or a Layer that registers one (a plugin package's `layer`). Registering the very plugin
 * object a registry already holds is a no-op, so the built-in plugins may be named too.
 */
export const registerEnvEntryPoint = (
	entry: EnvEntryPoint,
): Effect.Effect<void, EnvPluginLoadError | DuplicateEnvError, EnvRegistry> =>
	Effect.gen(function* () {
		const fail = (message: string) =>
			new EnvPluginLoadError({
				entryPoint: entry.entryPoint,
				message: `environment plugin "${entry.entryPoint}": ${message}`,
			});
		const mod = yield* Effect.tryPromise({
			try: () => import(entry.url) as Promise<Record<string, unknown>>,
			catch: (e) => fail(`cannot import ${entry.url}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`),
		});
		const value = mod[entry.exportName];
		const registry = yield* EnvRegistry;
		if (isEnvPlugin(value)) return yield* registry.register(value);
		if (Layer.isLayer(value))
			return yield* Effect.scoped(
				Layer.build(value as Layer.Layer<never, EnvPluginLoadError | DuplicateEnvError, EnvRegistry>),
			).pipe(Effect.asVoid, Effect.provideService(EnvRegistry, registry));
		return yield* fail(
			`${entry.url} exports no "${entry.exportName}" plugin (an EnvPlugin, or a Layer from registerEnv); exports: ${Object.keys(mod).join(", ") || "none"}`,
		);
	});

/** {@link resolveEnvEntryPoint} then {@link registerEnvEntryPoint}; the resolved entry point is returned (rollout workers load it by URL). */
export const loadEnvPlugin = (
	entryPoint: string,
	from?: string,
): Effect.Effect<EnvEntryPoint, EnvPluginLoadError | DuplicateEnvError, EnvRegistry> =>
	Effect.flatMap(resolveEnvEntryPoint(entryPoint, from), (entry) => Effect.as(registerEnvEntryPoint(entry), entry));
