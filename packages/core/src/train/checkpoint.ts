import { existsSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { Effect, Exit, Schema } from "effect";
import { type CheckpointEnv, loadCheckpoint, saveCheckpoint } from "../policy/checkpoint.ts";
import type { Policy } from "../policy/collector.ts";
import { CheckpointError } from "../policy/errors.ts";
import type { PolicyModel } from "../policy/policy-model.ts";
import type { TrainerState } from "./loop.ts";

/** `state.json` of a trainer checkpoint. */
export const TrainerStateSchema = Schema.Struct({
	kind: Schema.Literal("stepwise-trainer"),
	iteration: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
	seed: Schema.Int,
	/** The PPO critic's return statistics (value normalisation). */
	valueNorm: Schema.optionalKey(Schema.Struct({ count: Schema.Finite, mean: Schema.Finite, variance: Schema.Finite })),
});

/** What a trainer checkpoint holds besides the policy. */
export interface TrainerCheckpointInput {
	readonly policy: Policy;
	readonly optimizer: tf.Optimizer;
	readonly state: TrainerState;
	/** Saved under `reference/` (the frozen KL reference). */
	readonly reference?: PolicyModel;
	/** Saved under `critic/` (a separate PPO critic and its optimizer). */
	readonly critic?: { readonly model: PolicyModel; readonly optimizer: tf.Optimizer };
	/** The environment the policy is trained on (recorded in the policy's `config.json`). */
	readonly env?: CheckpointEnv;
}

/** A restored trainer checkpoint. */
export interface LoadedTrainerCheckpoint {
	readonly policy: Policy;
	readonly optimizer: tf.AdamOptimizer;
	readonly state: TrainerState;
	readonly reference: PolicyModel | undefined;
	readonly critic: { readonly model: PolicyModel; readonly optimizer: tf.AdamOptimizer } | undefined;
}

const asAdam = (opt: tf.Optimizer, dir: string): Effect.Effect<tf.AdamOptimizer, CheckpointError> =>
	opt instanceof tf.AdamOptimizer
		? Effect.succeed(opt)
		: Effect.fail(new CheckpointError({ path: dir, message: `${dir}: only Adam optimizer state can be saved` }));

/**
 * Save a trainer checkpoint: the policy, its Adam state and the trainer state (`iteration`, `seed`)
 * in `dir` (the policy checkpoint layout), then the reference (`dir/reference`) and a separate
 * critic (`dir/critic`). Each directory is written atomically; the policy directory first, and the
 * other two hard-link its tokenizer files (and frozen base weights) instead of copying them.
 */
export const saveTrainerCheckpoint = (
	dir: string,
	input: TrainerCheckpointInput,
): Effect.Effect<void, CheckpointError> =>
	Effect.gen(function* () {
		const optimizer = yield* asAdam(input.optimizer, dir);
		yield* saveCheckpoint(dir, {
			model: input.policy.model,
			codec: input.policy.codec,
			optimizer,
			state: {
				kind: "stepwise-trainer",
				iteration: input.state.iteration,
				seed: input.state.seed,
				...(input.state.valueNorm !== undefined ? { valueNorm: input.state.valueNorm } : {}),
			},
			...(input.env !== undefined ? { env: input.env } : {}),
		});
		if (input.reference !== undefined)
			yield* saveCheckpoint(join(dir, "reference"), {
				model: input.reference,
				codec: input.policy.codec,
				shareWith: dir,
			});
		if (input.critic !== undefined) {
			const criticOpt = yield* asAdam(input.critic.optimizer, dir);
			yield* saveCheckpoint(join(dir, "critic"), {
				model: input.critic.model,
				codec: input.policy.codec,
				optimizer: criticOpt,
				shareWith: dir,
			});
		}
	});

/**
 * Load a trainer checkpoint written by {@link saveTrainerCheckpoint}: the policy, its optimizer
 * (a fresh Adam at `learningRate` when none was saved), the decoded trainer state and, when present,
 * the reference and the critic.
 */
export const loadTrainerCheckpoint = (
	dir: string,
	options: { readonly learningRate?: number } = {},
): Effect.Effect<LoadedTrainerCheckpoint, CheckpointError> =>
	Effect.gen(function* () {
		const main = yield* loadCheckpoint(dir);
		const exit = Schema.decodeUnknownExit(TrainerStateSchema)(main.state ?? {});
		if (Exit.isFailure(exit)) {
			main.model.dispose();
			return yield* Effect.fail(
				new CheckpointError({
					path: join(dir, "state.json"),
					message: `${join(dir, "state.json")}: not a trainer state: ${String(exit.cause)}`,
				}),
			);
		}
		const lr = options.learningRate ?? 1e-4;
		const reference = existsSync(join(dir, "reference"))
			? (yield* loadCheckpoint(join(dir, "reference"), { expect: main.config })).model
			: undefined;
		const criticCk = existsSync(join(dir, "critic"))
			? yield* loadCheckpoint(join(dir, "critic"), { expect: main.config })
			: undefined;
		return {
			policy: { model: main.model, codec: main.codec },
			optimizer: main.optimizer ?? tf.train.adam(lr),
			state: {
				iteration: exit.value.iteration,
				seed: exit.value.seed,
				...(exit.value.valueNorm !== undefined ? { valueNorm: exit.value.valueNorm } : {}),
			},
			reference,
			critic:
				criticCk !== undefined
					? { model: criticCk.model, optimizer: criticCk.optimizer ?? tf.train.adam(lr) }
					: undefined,
		};
	});
