/**
 * The Search plugin's options: each one decoded with its own Schema, so a bad value fails with an
 * `EnvConfigError` whose `path` names the option; unknown option names are refused too.
 */
import { EnvConfigError } from "@stepwise/core";
import { Effect, Schema } from "effect";
import { defaultCacheDir } from "./corpus.ts";

/** The result/loop format: Search-R1's or verl-agent's. */
export const SearchFormat = Schema.Literals(["searchr1", "verl"]);
export type SearchFormat = typeof SearchFormat.Type;

const int = (minimum: number, maximum: number) => Schema.Int.check(Schema.isBetween({ minimum, maximum }));

/** Option name → its Schema. */
const FIELDS = {
	/** `searchr1` (Search-R1 `<information>` docs, invalid-action message) or `verl` (JSON-wrapped results). */
	format: SearchFormat,
	/** Corpus size in passages (10,000 to 1,000,000). */
	passages: int(10_000, 1_000_000),
	/** Seed of the world and corpus (tasks are drawn with the reset seed). */
	corpusSeed: int(0, 2 ** 31 - 1),
	/** Passages returned per search. */
	topK: int(1, 20),
	/** Search-R1: searches are answered for this many turns; later searches get no information. */
	maxTurns: int(1, 100),
	/** Folder of the on-disk index cache. */
	cacheDir: Schema.String.check(Schema.isNonEmpty()),
	/** Read/write the on-disk index cache. */
	diskCache: Schema.Boolean,
	/** Characters of each passage shown by the compact prompt. */
	compactDocChars: int(20, 2000),
	/** The expert's query wording: entity name + relation keywords first, or the bare name first. */
	expertQueries: Schema.Literals(["keywords", "bare"]),
	/**
	 * An empty `<search></search>` or `<answer></answer>`: `invalid` (the `-v0` specs) or `act` (as
	 * Search-R1 and verl-agent do: an empty search is sent to the retriever, an empty answer is final).
	 */
	emptyContent: Schema.Literals(["invalid", "act"]),
	/** `numbered`: the compact prompt writes each name the episode has shown as `#k`, and actions may too (`numbered.ts`). */
	names: Schema.Literals(["text", "numbered"]),
} as const;

/** Decoded options. */
export interface SearchOptions {
	readonly format: SearchFormat;
	readonly passages: number;
	readonly corpusSeed: number;
	readonly topK: number;
	readonly maxTurns: number;
	readonly cacheDir: string;
	readonly diskCache: boolean;
	readonly compactDocChars: number;
	readonly expertQueries: "keywords" | "bare";
	readonly emptyContent: "invalid" | "act";
	readonly names: "text" | "numbered";
}

/** Defaults (the spec's `options` and the caller's overrides are merged over these). */
export const defaultOptions = (): SearchOptions => ({
	format: "searchr1",
	passages: 10_000,
	corpusSeed: 0,
	topK: 3,
	maxTurns: 4,
	cacheDir: defaultCacheDir(),
	diskCache: true,
	compactDocChars: 160,
	expertQueries: "keywords",
	emptyContent: "invalid",
	names: "text",
});

/** Decode merged options; fails with `EnvConfigError` naming the first bad or unknown option. */
export const decodeOptions = (
	specId: string,
	raw: { readonly [key: string]: unknown },
): Effect.Effect<SearchOptions, EnvConfigError> =>
	Effect.suspend(() => {
		const out: Record<string, unknown> = { ...defaultOptions() };
		for (const [key, value] of Object.entries(raw)) {
			if (!(key in FIELDS))
				return Effect.fail(
					new EnvConfigError({
						specId,
						path: key,
						message: `unknown option "${key}" (options: ${Object.keys(FIELDS).join(", ")})`,
					}),
				);
			if (value === undefined) continue;
			const decoded = Schema.decodeUnknownExit(FIELDS[key as keyof typeof FIELDS] as Schema.Decoder<unknown>)(value);
			if (decoded._tag === "Failure")
				return Effect.fail(
					new EnvConfigError({
						specId,
						path: key,
						message: `option "${key}": invalid value ${JSON.stringify(value) ?? String(value)}: ${String(decoded.cause)}`,
					}),
				);
			out[key] = decoded.value;
		}
		return Effect.succeed(out as unknown as SearchOptions);
	});
