/**
 * The ALFWorld spec options, decoded one by one with Effect Schema so that a bad value fails with an
 * `EnvConfigError` naming the option.
 */
import { EnvConfigError } from "@stepwise/core";
import { Effect, Schema } from "effect";

const fields = {
	/** `legacy` (`put X in/on Y`, ETO/SPA/ReAct) or `current` (`move X to Y`, `help`, verl-agent). */
	grammar: Schema.Literals(["legacy", "current"]),
	/** First observation: `banner` (engine text), `sft` (no banner, blank line), `eval` (single newline). */
	intro: Schema.Literals(["banner", "sft", "eval"]),
	/** Legacy `go to` feedback: `stripped` (what harnesses show) or `raw` (`You arrive at loc N. …`). */
	arrive: Schema.Literals(["stripped", "raw"]),
	/** `observation+inventory` (RewardFlow) or `observation` (GiGPO's bare observation). */
	stateKey: Schema.Literals(["observation+inventory", "observation"]),
	/** Which expert `expertAction` follows: the omniscient `oracle` or the human-like `searcher`. */
	expert: Schema.Literals(["oracle", "searcher"]),
	/** `distinct` (each receptacle at its own location, `-v0`) or `shared` (ALFWorld's co-located receptacles, `-v1`). */
	locations: Schema.Literals(["distinct", "shared"]),
} as const;

/** Decoded options of an ALFWorld env. */
export interface AlfworldOptions {
	readonly grammar: "legacy" | "current";
	readonly intro: "banner" | "sft" | "eval";
	readonly arrive: "stripped" | "raw";
	readonly stateKey: "observation+inventory" | "observation";
	readonly expert: "oracle" | "searcher";
	readonly locations: "distinct" | "shared";
}

/** Defaults (the verl-agent flavour); specs override them. */
export const defaultOptions: AlfworldOptions = {
	grammar: "current",
	intro: "banner",
	arrive: "stripped",
	stateKey: "observation+inventory",
	expert: "oracle",
	locations: "distinct",
};

/** Decode a raw options record (spec options merged with overrides). */
export const decodeOptions = (
	specId: string,
	raw: { readonly [key: string]: unknown },
): Effect.Effect<AlfworldOptions, EnvConfigError> =>
	Effect.suspend(() => {
		const out: Record<string, unknown> = { ...defaultOptions };
		for (const [key, value] of Object.entries(raw)) {
			const schema = (fields as Record<string, Schema.Codec<unknown, unknown>>)[key];
			if (schema === undefined)
				return Effect.fail(
					new EnvConfigError({
						specId,
						path: key,
						message: `unknown option "${key}" (options: ${Object.keys(fields).join(", ")})`,
					}),
				);
			const decoded = Schema.decodeUnknownExit(schema)(value);
			if (decoded._tag === "Failure")
				return Effect.fail(
					new EnvConfigError({ specId, path: key, message: `option "${key}": ${String(decoded.cause)}` }),
				);
			out[key] = decoded.value;
		}
		return Effect.succeed(out as unknown as AlfworldOptions);
	});
