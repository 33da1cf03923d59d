import { schemaErrorKey } from "@stepwise/core";
import { Effect, Result, Schema } from "effect";
import { CreditConfigError, type CreditInputError } from "./errors.ts";
import { asStepRows, type CreditInput, CreditMethodName, methodTraits, runCredit } from "./methods.ts";
import type { CreditInputs, CreditRequirement, CreditResult } from "./types.ts";

/** One term of a mix: a method, its weight and (optionally) its config. */
export const MixTerm = Schema.Struct({
	method: CreditMethodName,
	weight: Schema.Finite,
	config: Schema.optionalKey(Schema.Unknown),
});
/** One decoded mix term. */
export type MixTerm = typeof MixTerm.Type;

/** A weighted combination of methods' per-step advantages, e.g. `[{method:"gigpo",weight:0.5},{method:"spa",weight:0.5}]`. */
export const MixSpec = Schema.Array(MixTerm).check(Schema.isMinLength(1));
/** A decoded mix. */
export type MixSpec = typeof MixSpec.Type;

/** Decodes a mix given as data (JSON, YAML …), naming the faulty entry on failure. */
export const decodeMix = (input: unknown): Result.Result<MixSpec, CreditConfigError> => {
	const r = Schema.decodeUnknownResult(MixSpec)(input, { onExcessProperty: "error" });
	if (Result.isSuccess(r)) return Result.succeed(r.success);
	const message = r.failure.message;
	return Result.fail(
		new CreditConfigError({
			method: "mix",
			path: schemaErrorKey(r.failure, { root: "" }),
			message: `mix: ${message}`,
		}),
	);
};

/** Reads `key=value,key=value` term options: numbers, booleans, else strings. */
const termOptions = (text: string): Record<string, unknown> | string => {
	const out: Record<string, unknown> = {};
	for (const raw of text.split(",")) {
		const part = raw.trim();
		if (part === "") continue;
		const eq = part.indexOf("=");
		if (eq <= 0) return part;
		const v = part.slice(eq + 1).trim();
		out[part.slice(0, eq).trim()] =
			v === "true" ? true : v === "false" ? false : v !== "" && Number.isFinite(Number(v)) ? Number(v) : v;
	}
	return out;
};

/**
 * Parses the text form `"0.5*gigpo + 0.5*spa"` (also `0.5·gigpo`, a bare `gigpo` weighs 1) into a
 * mix; a term may carry its method's options in braces, e.g. `1*gigpo + 0.5*spa{advantage=return,gamma=0.95}`
 * (SPA's progress returns beside GiGPO's groups). Terms without braces take the method's defaults.
 */
export const parseMix = (text: string): Result.Result<MixSpec, CreditConfigError> => {
	const terms: { method: string; weight: number; config?: Record<string, unknown> }[] = [];
	for (const raw of text.split("+")) {
		const part = raw.trim();
		const m = /^(?:([0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?)\s*[*·]\s*)?([a-z][a-z-]*)(?:\s*\{([^}]*)\})?$/i.exec(part);
		const options = m?.[3] !== undefined ? termOptions(m[3]) : {};
		if (m === null || typeof options === "string") {
			return Result.fail(
				new CreditConfigError({
					method: "mix",
					path: "",
					message: `mix: cannot read term "${part}" of "${text}" (expected weight*method or weight*method{key=value,…})`,
				}),
			);
		}
		terms.push({
			method: m[2] as string,
			weight: m[1] === undefined ? 1 : Number(m[1]),
			...(m[3] !== undefined ? { config: options } : {}),
		});
	}
	return decodeMix(terms);
};

/** The mixed advantages, with every term's own result (`components`, in spec order). */
export interface MixResult extends CreditResult {
	readonly components: ReadonlyArray<{
		readonly method: string;
		readonly weight: number;
		readonly result: CreditResult;
	}>;
}

/** Computes `Σ_m w_m · A_m` per row over the terms of `spec`. */
export const runMix = (
	input: CreditInput,
	spec: MixSpec,
	inputs: CreditInputs = {},
): Result.Result<MixResult, CreditConfigError | CreditInputError> => {
	const rows = asStepRows(input);
	const advantages = new Float64Array(rows.size);
	const components: { method: string; weight: number; result: CreditResult }[] = [];
	for (const term of spec) {
		const r = runCredit(term.method, rows, term.config, inputs);
		if (Result.isFailure(r)) return Result.fail(r.failure);
		const a = r.success.advantages;
		for (let i = 0; i < rows.size; i++) advantages[i] = (advantages[i] as number) + term.weight * (a[i] as number);
		components.push({ method: term.method, weight: term.weight, result: r.success });
	}
	return Result.succeed({ advantages, components });
};

/** `runMix` as an Effect, decoding the spec from data first. */
export const computeMix = (
	rows: CreditInput,
	spec: unknown,
	inputs: CreditInputs = {},
): Effect.Effect<MixResult, CreditConfigError | CreditInputError> =>
	Effect.suspend(() => {
		const decoded = typeof spec === "string" ? parseMix(spec) : decodeMix(spec);
		return Result.isFailure(decoded)
			? Effect.fail(decoded.failure)
			: Effect.fromResult(runMix(rows, decoded.success, inputs));
	});

/** What a mix's rows must carry: the requirements of its terms (each under its own config), once each. */
export const mixRequires = (spec: MixSpec): Result.Result<ReadonlyArray<CreditRequirement>, CreditConfigError> => {
	const out = new Set<CreditRequirement>();
	for (const term of spec) {
		const traits = methodTraits(term.method, term.config);
		if (Result.isFailure(traits)) return Result.fail(traits.failure);
		for (const r of traits.success.requires) out.add(r);
	}
	return Result.succeed([...out]);
};
