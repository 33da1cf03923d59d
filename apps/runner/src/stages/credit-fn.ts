import type { TrajectoryBatch } from "@stepwise/core";
import type { CreditFn } from "@stepwise/core/train/index";
import {
	type CreditEnv,
	type CreditRequirement,
	type CreditResult,
	defaultPpoGae,
	methodTraits,
	mixRequires,
	type PpoGae,
	parseMix,
	runCredit,
	runMix,
	type StepRows,
	toStepRows,
	upstreamConfig,
} from "@stepwise/rewards";
import { Result, Schema } from "effect";
import { methodAliases, type RunConfig } from "../config/schema.ts";

/** The method's options are wrong (the message names the option). */
export class MethodConfigError extends Schema.TaggedError<MethodConfigError>()("MethodConfigError", {
	message: Schema.String,
}) {}

/**
 * The credit method a training method runs and its options, in layers: the method's upstream
 * settings for `env` (what its released script sets there: step limit, γ, penalties …), then an
 * alias's options, then the config's `method.config`.
 */
export const creditOf = (
	method: RunConfig["method"],
	env?: CreditEnv,
): { readonly name: string; readonly config: Record<string, unknown> } => {
	const alias = methodAliases[method.name];
	const name = alias?.method ?? method.name;
	const upstream = env !== undefined ? upstreamConfig(name, env) : {};
	return { name, config: { ...upstream, ...(alias?.config ?? {}), ...method.config } };
};

/**
 * What the configured method asks of a run, read from the method's traits (never its name): what
 * its rows must carry (`progress`: train an estimator and annotate every batch), whether it trains
 * with PPO (`trainer: ppo`, or the method's own trainer under `auto`) and that update's GAE. A mix
 * requires what its terms require and trains group-relative under `auto`.
 */
export interface RunTraits {
	readonly requires: ReadonlyArray<CreditRequirement>;
	readonly ppo: boolean;
	readonly gae: PpoGae;
}

/** {@link RunTraits} of the configured method; a bad option or mix fails, named. */
export const runTraits = (method: RunConfig["method"]): Result.Result<RunTraits, MethodConfigError> => {
	const forced = (auto: boolean) => method.trainer === "ppo" || (method.trainer === "auto" && auto);
	if (method.name === "mix") {
		const spec = parseMix(method.mix);
		const requires = Result.flatMap(spec, mixRequires);
		return Result.isFailure(requires)
			? Result.fail(new MethodConfigError({ message: `method.mix: ${requires.failure.message}` }))
			: Result.succeed({ requires: requires.success, ppo: forced(false), gae: defaultPpoGae });
	}
	const credit = creditOf(method);
	const traits = methodTraits(credit.name, credit.config);
	if (Result.isFailure(traits))
		return Result.fail(
			new MethodConfigError({
				message:
					traits.failure.path === ""
						? traits.failure.message
						: `method.config.${traits.failure.path}: ${traits.failure.message}`,
			}),
		);
	const t = traits.success;
	return Result.succeed({ requires: t.requires, ppo: forced(t.trainer === "ppo"), gae: t.gae });
};

/** Whether the configured method reads per-step progress, so RL needs an estimator (false when its options are bad: RL reports them). */
export const requiresProgress = (method: RunConfig["method"]): boolean => {
	const traits = runTraits(method);
	return Result.isSuccess(traits) && traits.success.requires.includes("progress");
};

/**
 * The trainer's credit function for the configured method: one method of `@stepwise/rewards` (its
 * options decoded up front, so a bad key fails before training) or a mix, each method (and each
 * term of a mix) under its upstream settings for `env` when given (see {@link creditOf}). PPO reads
 * the method's `stepRewards` (the env rewards when the method defines none).
 */
export const makeCreditFn = (
	method: RunConfig["method"],
	env?: CreditEnv,
): Result.Result<CreditFn, MethodConfigError> => {
	const traits = runTraits(method);
	if (Result.isFailure(traits)) return Result.fail(traits.failure);
	let run: (rows: StepRows) => Result.Result<CreditResult, { readonly message: string }>;
	if (method.name === "mix") {
		const parsed = Result.getOrThrow(parseMix(method.mix)); // decoded by runTraits
		const spec = parsed.map((term) => ({
			...term,
			config: { ...(env !== undefined ? upstreamConfig(term.method, env) : {}), ...((term.config ?? {}) as object) },
		}));
		run = (rows) => runMix(rows, spec);
	} else {
		const credit = creditOf(method, env);
		run = (rows) => runCredit(credit.name, rows, credit.config);
	}
	return Result.succeed((batch: TrajectoryBatch) => {
		const rows = toStepRows(batch);
		const r = run(rows);
		if (Result.isFailure(r)) throw new Error(`credit (${method.name}): ${r.failure.message}`);
		return { advantages: r.success.advantages, stepRewards: r.success.stepRewards ?? rows.reward };
	});
};
