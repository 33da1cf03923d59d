import { Context, Effect, Layer } from "effect";
import { DuplicateEnvError, type EnvConfigError, UnknownEnvSpecError } from "./errors.ts";
import type { EnvSpec } from "./spec.ts";
import { type ManagedEnv, withTimeLimit } from "./time-limit.ts";
import type { EnvPlugin } from "./types.ts";

/** A registered spec and the plugin that owns it. */
export interface RegisteredSpec {
	readonly plugin: EnvPlugin;
	readonly spec: EnvSpec;
}

/** The environment registry: plugins register into it (one Layer each); the runner makes envs by spec id. */
export class EnvRegistry extends Context.Service<
	EnvRegistry,
	{
		/** Add a plugin; fails if its id or any of its spec ids is taken (by another plugin: registering the same plugin again does nothing). */
		readonly register: (plugin: EnvPlugin) => Effect.Effect<void, DuplicateEnvError>;
		/** Every registered spec, in registration order. */
		readonly specs: () => ReadonlyArray<RegisteredSpec>;
		/** Look a spec up by its exact id. */
		readonly resolve: (specId: string) => Effect.Effect<RegisteredSpec, UnknownEnvSpecError>;
		/** Make an env for a spec id, wrapped in the framework's step limit and order checks. */
		readonly make: (
			specId: string,
			overrides?: { readonly [key: string]: unknown },
		) => Effect.Effect<ManagedEnv, UnknownEnvSpecError | EnvConfigError>;
	}
>()("@stepwise/core/EnvRegistry") {
	/** An empty registry; plugin layers (`registerEnv(plugin)`) fill it. */
	static readonly layer = Layer.sync(EnvRegistry, () => {
		const plugins = new Map<string, EnvPlugin>();
		const specs = new Map<string, RegisteredSpec>();
		const resolve = (specId: string) => {
			const found = specs.get(specId);
			return found !== undefined
				? Effect.succeed(found)
				: Effect.fail(
						new UnknownEnvSpecError({
							specId,
							message: `unknown environment spec "${specId}"; registered: ${[...specs.keys()].join(", ") || "none"}`,
						}),
					);
		};
		return EnvRegistry.of({
			register: (plugin) =>
				Effect.suspend(() => {
					if (plugins.get(plugin.id) === plugin) return Effect.void;
					const taken = plugins.has(plugin.id) ? plugin.id : plugin.specs.find((s) => specs.has(s.id))?.id;
					if (taken !== undefined)
						return Effect.fail(
							new DuplicateEnvError({ id: taken, message: `environment id "${taken}" is registered twice` }),
						);
					const own = new Set<string>();
					for (const spec of plugin.specs) {
						if (own.has(spec.id))
							return Effect.fail(
								new DuplicateEnvError({
									id: spec.id,
									message: `plugin "${plugin.id}" declares spec "${spec.id}" twice`,
								}),
							);
						own.add(spec.id);
					}
					plugins.set(plugin.id, plugin);
					for (const spec of plugin.specs) specs.set(spec.id, { plugin, spec });
					return Effect.void;
				}),
			specs: () => [...specs.values()],
			resolve,
			make: (specId, overrides) =>
				Effect.flatMap(resolve(specId), ({ plugin, spec }) =>
					Effect.map(plugin.make(spec, overrides), (env) => withTimeLimit(env)),
				),
		});
	});
}

/**
 * The Layer a plugin package exports: it registers the plugin into the `EnvRegistry`.
 * @example export const layer = registerEnv(sokobanPlugin)
 */
export const registerEnv = (plugin: EnvPlugin): Layer.Layer<never, DuplicateEnvError, EnvRegistry> =>
	Layer.effectDiscard(EnvRegistry.use((registry) => registry.register(plugin)));

/** The registry with the given plugin layers registered (what the runner builds). */
export const envRegistryWith = <E>(
	...plugins: ReadonlyArray<Layer.Layer<never, E, EnvRegistry>>
): Layer.Layer<EnvRegistry, E> =>
	plugins.reduce<Layer.Layer<EnvRegistry, E>>((acc, plugin) => Layer.provideMerge(plugin, acc), EnvRegistry.layer);
