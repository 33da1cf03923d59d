import { Schema } from "effect";

/** A spec id is not registered (the message lists the ids that are). */
export class UnknownEnvSpecError extends Schema.TaggedError<UnknownEnvSpecError>()("UnknownEnvSpecError", {
	specId: Schema.String,
	message: Schema.String,
}) {}

/** Two plugins (or two specs) claim the same id. */
export class DuplicateEnvError extends Schema.TaggedError<DuplicateEnvError>()("DuplicateEnvError", {
	id: Schema.String,
	message: Schema.String,
}) {}

/** Options given to `EnvPlugin.make` are invalid; `path` names the option at fault. */
export class EnvConfigError extends Schema.TaggedError<EnvConfigError>()("EnvConfigError", {
	specId: Schema.String,
	path: Schema.String,
	message: Schema.String,
}) {}

/**
 * The error for an option value that only the compact prompt implements (`numbered` actions or
 * names), or `undefined` where the spec's prompt style is `compact` or the option does not ask for it.
 */
export const compactOnly = (
	spec: { readonly id: string; readonly promptStyle: string },
	option: string,
	value: unknown,
	needs: unknown,
): EnvConfigError | undefined =>
	value !== needs || spec.promptStyle === "compact"
		? undefined
		: new EnvConfigError({
				specId: spec.id,
				path: option,
				message: `option ${option}: ${JSON.stringify(needs)} needs a spec with the compact prompt (this one uses "${spec.promptStyle}")`,
			});

/**
 * The environment was driven out of contract: `step` before `reset`, `step` after the episode
 * ended, or an unknown split. This is a programming error of the caller, so instances *throw* it
 * (the hot path is synchronous); it is never raised for bad action text, which is an invalid action.
 */
export class EnvUsageError extends Schema.TaggedError<EnvUsageError>()("EnvUsageError", {
	specId: Schema.String,
	message: Schema.String,
}) {}

/** Throws the `EnvUsageError` for a step taken after the episode ended. */
export const episodeEnded = (specId: string): never => {
	throw new EnvUsageError({
		specId,
		message: `${specId}: step() called after the episode ended; call reset() first`,
	});
};

/** Throws the `EnvUsageError` for a step taken before any reset. */
export const notReset = (specId: string): never => {
	throw new EnvUsageError({ specId, message: `${specId}: step() called before reset()` });
};

/** Throws the `EnvUsageError` for a split the spec does not have. */
export const unknownSplit = (specId: string, split: string, splits: ReadonlyArray<string>): never => {
	throw new EnvUsageError({
		specId,
		message: `${specId}: unknown split "${split}" (splits: ${splits.join(", ")})`,
	});
};
