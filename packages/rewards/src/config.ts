import { schemaErrorKey } from "@stepwise/core";
import { Result, Schema } from "effect";
import { CreditConfigError } from "./errors.ts";

/** A finite number in [0, 1] (discounts, thresholds, λ). */
export const UnitInterval = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }));
/** A finite number ≥ 0 (penalties, bonuses). */
export const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0));
/** A finite number > 0 (the ε added to σ). */
export const Positive = Schema.Finite.check(Schema.isGreaterThan(0));

/** verl-agent's `algorithm.gigpo.mode`: centre only, or centre and divide by σ + ε. */
export const NormMode = Schema.Literals(["mean_norm", "mean_std_norm"]);
/** `mean_norm` or `mean_std_norm`. */
export type NormMode = typeof NormMode.Type;

/**
 * Where group statistics are taken: `"rows"` over every step row of the group, as verl-agent computes
 * them (a T-step trajectory counts T times, ⚠ docs/credit/README.md); `"trajectories"` over the N episodes,
 * as the papers define them.
 */
export const Statistics = Schema.Literals(["rows", "trajectories"]);
/** `rows` or `trajectories`. */
export type Statistics = typeof Statistics.Type;

/**
 * Decodes a partial config (unknown keys are an error) and fills the gaps from `defaults`.
 * Fails with a `CreditConfigError` whose `path` names the offending option.
 */
export const resolveConfig = <C>(
	method: string,
	schema: Schema.ConstraintDecoder<Partial<C>>,
	defaults: C,
	input: unknown,
): Result.Result<C, CreditConfigError> => {
	if (input === undefined) return Result.succeed(defaults);
	const decoded = Schema.decodeUnknownResult(schema)(input, { onExcessProperty: "error" });
	if (Result.isFailure(decoded)) {
		const message = decoded.failure.message;
		return Result.fail(
			new CreditConfigError({
				method,
				path: schemaErrorKey(decoded.failure, { root: "" }),
				message: `${method}: ${message}`,
			}),
		);
	}
	const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
	for (const [k, v] of Object.entries(decoded.success)) if (v !== undefined) merged[k] = v;
	return Result.succeed(merged as C);
};
