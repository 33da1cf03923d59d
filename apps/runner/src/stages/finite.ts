import { CheckpointError, type PolicyModel } from "@stepwise/core/policy/index";
import { Effect } from "effect";
import { NonFiniteError } from "../errors.ts";

/** The first weight tensor of a model holding a NaN or an infinity, by name, if any. */
export const nonFiniteWeight = (model: PolicyModel): Effect.Effect<string | undefined> =>
	Effect.map(
		Effect.promise(() => model.readValues()),
		(values) => {
			for (const [name, data] of values) for (const x of data) if (!Number.isFinite(x)) return name;
			return undefined;
		},
	);

/** Fail with `error(name)` when a weight of the model is not finite. */
const requireFinite = <E>(model: PolicyModel, error: (name: string) => E): Effect.Effect<void, E> =>
	Effect.flatMap(nonFiniteWeight(model), (name) => (name === undefined ? Effect.void : Effect.fail(error(name))));

/** Refuse a loaded checkpoint whose weights are not all finite (a diverged run's save), naming the tensor. */
export const checkLoadedWeights = (model: PolicyModel, path: string): Effect.Effect<void, CheckpointError> =>
	requireFinite(
		model,
		(name) =>
			new CheckpointError({
				path,
				message: `${path}: weight ${name} is not finite (NaN or infinite); a diverged run saved it`,
			}),
	);

/** Refuse to save weights that are not all finite: training diverged (`hint` names the key to lower). */
export const checkTrainedWeights = (model: PolicyModel, hint: string): Effect.Effect<void, NonFiniteError> =>
	requireFinite(
		model,
		(name) =>
			new NonFiniteError({
				what: "weights",
				message: `training diverged: weight ${name} is not finite; nothing was saved (lower ${hint})`,
			}),
	);
