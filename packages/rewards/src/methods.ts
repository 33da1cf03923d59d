import { type StepRows, type TrajectoryBatch, toStepRows } from "@stepwise/core";
import { Effect, Result, Schema } from "effect";
import { resolveConfig } from "./config.ts";
import { CreditConfigError, CreditInputError } from "./errors.ts";
import { type GaeConfig, gaeMethod } from "./gae.ts";
import { type GigpoConfig, gigpoMethod } from "./gigpo.ts";
import { type GrpoConfig, grpoMethod } from "./grpo.ts";
import { type RewardFlowConfig, rewardFlowMethod } from "./rewardflow.ts";
import { type RlooConfig, rlooMethod } from "./rloo.ts";
import { type SpaConfig, spaMethod } from "./spa.ts";
import {
	type CreditEnv,
	type CreditInputs,
	type CreditMethod,
	type CreditRequirement,
	type CreditResult,
	type CreditTrainer,
	defaultPpoGae,
	type PpoGae,
} from "./types.ts";

/** The credit methods by name. */
export const MethodName = Schema.Literals(["grpo", "rloo", "gigpo", "rewardflow", "spa", "gae"]);
/** `grpo | rloo | gigpo | rewardflow | spa | gae`. */
export type MethodName = typeof MethodName.Type;

/** Each method's resolved config type. */
export interface MethodConfigs {
	readonly grpo: GrpoConfig;
	readonly rloo: RlooConfig;
	readonly gigpo: GigpoConfig;
	readonly rewardflow: RewardFlowConfig;
	readonly spa: SpaConfig;
	readonly gae: GaeConfig;
}

/** Every built-in method, selected by name (config Schema, defaults, pure computation, traits). */
export const creditMethods: { readonly [K in MethodName]: CreditMethod<MethodConfigs[K]> } = {
	grpo: grpoMethod,
	rloo: rlooMethod,
	gigpo: gigpoMethod,
	rewardflow: rewardFlowMethod,
	spa: spaMethod,
	gae: gaeMethod,
};

/** A method with its config type erased (what the registry holds; its parts still agree with each other). */
type SomeMethod = CreditMethod<unknown>;

const added = new Map<string, SomeMethod>();

/**
 * Adds a credit method beside the built-in ones (a method defined outside this package, e.g. in an
 * experiment or a test): `runCredit`, mixes and the runner then take it by name, and read its traits
 * (`requires`, `trainer`, `gae`) as they do a built-in method's. A taken name is refused.
 */
export const registerCreditMethod = <C>(method: CreditMethod<C>): Result.Result<void, CreditConfigError> => {
	if (creditMethod(method.name) !== undefined)
		return Result.fail(
			new CreditConfigError({
				method: method.name,
				path: "",
				message: `credit method "${method.name}" is registered twice`,
			}),
		);
	added.set(method.name, method as unknown as SomeMethod);
	return Result.succeed(undefined);
};

/** The method registered under `name` (built-in or added), if any. */
export const creditMethod = (name: string): SomeMethod | undefined =>
	Object.hasOwn(creditMethods, name) ? (creditMethods[name as MethodName] as unknown as SomeMethod) : added.get(name);

/** Every registered method's name: the built-in ones, then the added ones in registration order. */
export const creditMethodNames = (): ReadonlyArray<string> => [...MethodName.literals, ...added.keys()];

/** A registered method's name (decoding fails naming the registered ones). */
export const CreditMethodName = Schema.String.check(
	Schema.makeFilter((name: string) =>
		creditMethod(name) !== undefined
			? undefined
			: `unknown credit method "${name}"; registered: ${creditMethodNames().join(", ")}`,
	),
);

const unknownMethod = (name: string): CreditConfigError =>
	new CreditConfigError({
		method: name,
		path: "",
		message: `unknown credit method "${name}"; registered: ${creditMethodNames().join(", ")}`,
	});

/** Step rows, or a batch to flatten into them. */
export type CreditInput = StepRows | TrajectoryBatch;

/** The step rows of `input` (flattening a batch with `toStepRows`). */
export const asStepRows = (input: CreditInput): StepRows => ("groups" in input ? toStepRows(input) : input);

/** Resolves a method's config: the given keys (decoded, unknown keys refused) over the method's defaults. */
export function resolveMethodConfig<K extends MethodName>(
	method: K,
	config?: unknown,
): Result.Result<MethodConfigs[K], CreditConfigError>;
export function resolveMethodConfig(method: string, config?: unknown): Result.Result<unknown, CreditConfigError>;
export function resolveMethodConfig(method: string, config?: unknown): Result.Result<unknown, CreditConfigError> {
	const m = creditMethod(method);
	return m === undefined
		? Result.fail(unknownMethod(method))
		: resolveConfig(method, m.configSchema, m.defaults, config);
}

/**
 * The options that make a registered method compute, on rollouts of `env`, what its upstream code
 * computes there (the method's `upstream` trait; none for a method without one or an unknown name).
 * A trainer puts them over the defaults and the user's own options over them.
 */
export const upstreamConfig = (method: string, env: CreditEnv): Readonly<Record<string, unknown>> =>
	(creditMethod(method)?.upstream?.(env) as Readonly<Record<string, unknown>> | undefined) ?? {};

/** A method's traits under a config (decoded over its defaults): what its rows must carry, its update and that update's GAE. */
export interface MethodTraits {
	readonly requires: ReadonlyArray<CreditRequirement>;
	readonly trainer: CreditTrainer;
	readonly gae: PpoGae;
}

/** {@link MethodTraits} of a registered method under `config`; fails as `resolveMethodConfig` does. */
export const methodTraits = (method: string, config?: unknown): Result.Result<MethodTraits, CreditConfigError> => {
	const m = creditMethod(method);
	if (m === undefined) return Result.fail(unknownMethod(method));
	return Result.map(resolveConfig(method, m.configSchema, m.defaults, config), (c) => ({
		requires: m.requires?.(c) ?? [],
		trainer: m.trainer,
		gae: m.gae?.(c) ?? defaultPpoGae,
	}));
};

/**
 * Runs one method on step rows, synchronously: a `Result` failing with `CreditConfigError` (unknown
 * method, bad option, named) or `CreditInputError` (missing input such as SPA progress). Never
 * throws for those.
 */
export const runCredit = (
	method: string,
	input: CreditInput,
	config?: unknown,
	inputs: CreditInputs = {},
): Result.Result<CreditResult, CreditConfigError | CreditInputError> => {
	const m = creditMethod(method);
	if (m === undefined) return Result.fail(unknownMethod(method));
	const rows = asStepRows(input);
	const resolved = resolveConfig(method, m.configSchema, m.defaults, config);
	if (Result.isFailure(resolved)) return Result.fail(resolved.failure);
	try {
		return Result.succeed(m.compute(rows, resolved.success, inputs));
	} catch (e) {
		if (e instanceof CreditInputError) return Result.fail(e);
		throw e;
	}
};

/** `runCredit` as an Effect (typed failures in the error channel). */
export const computeCredit = (
	method: string,
	input: CreditInput,
	config?: unknown,
	inputs: CreditInputs = {},
): Effect.Effect<CreditResult, CreditConfigError | CreditInputError> =>
	Effect.suspend(() => Effect.fromResult(runCredit(method, input, config, inputs)));
