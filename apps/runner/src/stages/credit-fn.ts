import type { TrajectoryBatch } from "@stepwise/core";
import type { CreditFn } from "@stepwise/core/train/index";
import {
	type CreditResult,
	type MethodName,
	parseMix,
	resolveMethodConfig,
	runCredit,
	runMix,
	toStepRows,
} from "@stepwise/rewards";
import { Result, Schema } from "effect";
import type { RunConfig, TrainMethod } from "../config/schema.ts";

/** The method's options are wrong (the message names the option). */
export class MethodConfigError extends Schema.TaggedError<MethodConfigError>()("MethodConfigError", {
	message: Schema.String,
}) {}

/** The credit method of `@stepwise/rewards` a training method runs (`ppo` = GAE's step rewards). */
export const creditMethodOf = (method: Exclude<TrainMethod, "mix">): MethodName => (method === "ppo" ? "gae" : method);

/**
 * A method's credit options under the config's `method.config`, which overrides them key by key:
 * `ppo` is verl-agent's PPO (each step row carries the episode outcome minus the invalid penalty), as
 * core's RL benchmark runs it.
 */
export const defaultCreditConfig: Partial<Record<TrainMethod, Record<string, unknown>>> = {
	ppo: { rewards: "episode", sequence: "row" },
};

/** GAE settings of the PPO update per method: verl-agent's per-step rows for ppo, SPA's whole-trajectory GAE (γ 0.99, λ 0.95). */
export const ppoSettings = (method: TrainMethod) =>
	method === "spa"
		? ({ scope: "trajectory", gamma: 0.99, lambda: 0.95 } as const)
		: ({ scope: "step", gamma: 1, lambda: 1 } as const);

/** Whether a method trains with PPO (and a value head) under `trainer: auto`. */
export const usesPpo = (config: RunConfig["method"]): boolean =>
	config.trainer === "ppo" || (config.trainer === "auto" && (config.name === "ppo" || config.name === "spa"));

/**
 * The trainer's credit function for the configured method: one method of `@stepwise/rewards` (its
 * options decoded up front, so a bad key fails before training) or a mix. PPO reads the method's
 * `stepRewards` (the env rewards when the method defines none).
 */
export const makeCreditFn = (method: RunConfig["method"]): Result.Result<CreditFn, MethodConfigError> => {
	let run: (rows: ReturnType<typeof toStepRows>) => Result.Result<CreditResult, { readonly message: string }>;
	if (method.name === "mix") {
		const spec = parseMix(method.mix);
		if (Result.isFailure(spec))
			return Result.fail(new MethodConfigError({ message: `method.mix: ${spec.failure.message}` }));
		run = (rows) => runMix(rows, spec.success);
	} else {
		const name = creditMethodOf(method.name);
		const config = { ...defaultCreditConfig[method.name], ...method.config };
		const resolved = resolveMethodConfig(name, config);
		if (Result.isFailure(resolved))
			return Result.fail(
				new MethodConfigError({ message: `method.config.${resolved.failure.path}: ${resolved.failure.message}` }),
			);
		run = (rows) => runCredit(name, rows, config);
	}
	return Result.succeed((batch: TrajectoryBatch) => {
		const rows = toStepRows(batch);
		const r = run(rows);
		if (Result.isFailure(r)) throw new Error(`credit (${method.name}): ${r.failure.message}`);
		return { advantages: r.success.advantages, stepRewards: r.success.stepRewards ?? rows.reward };
	});
};
