import { Effect, Exit, Schema } from "effect";
import type { PpoConfig } from "./ppo.ts";
import { ppoDefaults } from "./ppo.ts";

/** A trainer setting is invalid; `field` names it. */
export class TrainConfigError extends Schema.TaggedError<TrainConfigError>()("TrainConfigError", {
	field: Schema.String,
	message: Schema.String,
}) {}

const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0));
const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0));
const Positive = Schema.Finite.check(Schema.isGreaterThan(0));
const Unit = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }));

/**
 * The update and PPO settings as a Schema with every key optional (a missing key takes the default
 * of {@link ppoDefaults}); what a runner decodes from its YAML config.
 */
export const TrainerConfigSchema = Schema.Struct({
	epochs: Schema.optionalKey(PositiveInt),
	miniBatchSize: Schema.optionalKey(PositiveInt),
	microBatchSize: Schema.optionalKey(PositiveInt),
	clipRatio: Schema.optionalKey(Unit),
	clipRatioC: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThan(1))),
	entropyCoef: Schema.optionalKey(NonNegative),
	klCoef: Schema.optionalKey(NonNegative),
	klEstimator: Schema.optionalKey(Schema.Literals(["low_var_kl", "kl", "abs", "mse"])),
	aggregation: Schema.optionalKey(Schema.Literals(["token-mean", "seq-mean-token-mean", "seq-mean-token-sum"])),
	maxGradNorm: Schema.optionalKey(NonNegative),
	temperature: Schema.optionalKey(Positive),
	valueCoef: Schema.optionalKey(NonNegative),
	valueClip: Schema.optionalKey(NonNegative),
	scoreBatchSize: Schema.optionalKey(PositiveInt),
	oldLogProbs: Schema.optionalKey(Schema.Literals(["recompute", "rollout"])),
	gamma: Schema.optionalKey(Unit),
	lambda: Schema.optionalKey(Unit),
	scope: Schema.optionalKey(Schema.Literals(["trajectory", "step"])),
	whitenAdvantages: Schema.optionalKey(Schema.Boolean),
	weighting: Schema.optionalKey(Schema.Literals(["none", "steptool"])),
	mergeDuplicates: Schema.optionalKey(Schema.Boolean),
});

const decode = Schema.decodeUnknownExit(TrainerConfigSchema);

/**
 * Decode trainer settings from unknown input over the defaults; unknown keys and bad values fail
 * with `TrainConfigError` naming the key.
 */
export const decodeTrainerConfig = (input: unknown): Effect.Effect<PpoConfig, TrainConfigError> =>
	Effect.suspend(() => {
		const exit = decode(input ?? {}, { onExcessProperty: "error" });
		if (Exit.isSuccess(exit)) return Effect.succeed({ ...ppoDefaults, ...exit.value });
		const err = exit.cause.reasons.find((r) => r._tag === "Fail")?.error as { message?: string } | undefined;
		const message = err?.message ?? String(exit.cause);
		const field = /\["?([A-Za-z]+)"?\]/.exec(message)?.[1] ?? "(config)";
		return Effect.fail(new TrainConfigError({ field, message: `invalid trainer config: ${message}` }));
	});
