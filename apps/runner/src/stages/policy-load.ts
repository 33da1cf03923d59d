/**
 * Loading a `--policy` that names a model: a Stepwise checkpoint directory, or a Hugging Face model
 * directory (`hf:DIR`, or a directory holding a Hugging Face `config.json`) with the run's LoRA
 * settings. One function for every stage and command that takes a model.
 */
import type { HfModelError } from "@stepwise/core/hf/errors";
import type { LoraSpec } from "@stepwise/core/hf/lora";
import { hfModelDirOf, loadHfPolicy } from "@stepwise/core/hf/policy";
import type { HfTokenizerError } from "@stepwise/core/hf/tokenizer";
import { type CheckpointEnv, type CheckpointError, loadCheckpoint, type Policy } from "@stepwise/core/policy/index";
import type * as tf from "@tensorflow/tfjs-core";
import { Effect } from "effect";
import type { RunConfig } from "../config/schema.ts";

/** The LoRA settings of a run (`lora.*`), or none when `lora.enabled` is false. */
export const loraSpecOf = (config: Pick<RunConfig, "lora" | "seed">): LoraSpec | undefined =>
	config.lora.enabled
		? {
				rank: config.lora.rank,
				alpha: config.lora.alpha,
				dropout: config.lora.dropout,
				targets: config.lora.targets,
				seed: config.seed,
			}
		: undefined;

/** A loaded model policy, with what its checkpoint held besides (none for a Hugging Face directory). */
export interface LoadedPolicy {
	readonly policy: Policy;
	readonly optimizer: tf.AdamOptimizer | undefined;
	readonly state: Record<string, unknown> | undefined;
	readonly env: CheckpointEnv | undefined;
	/** The Hugging Face model directory it came from, when `--policy` named one. */
	readonly hfDir: string | undefined;
}

/** What loading a model policy can fail with. */
export type PolicyLoadError = CheckpointError | HfModelError | HfTokenizerError;

/**
 * Load `--policy`: a Hugging Face model directory (its model with fresh LoRA adapters on a frozen
 * base when `lora` is given, and its own tokenizer and chat template), or a checkpoint directory.
 */
export const loadModelPolicy = (text: string, lora?: LoraSpec): Effect.Effect<LoadedPolicy, PolicyLoadError> =>
	Effect.gen(function* () {
		const hfDir = hfModelDirOf(text);
		if (hfDir !== undefined) {
			const policy = yield* loadHfPolicy(hfDir, lora !== undefined ? { lora } : {});
			return { policy, optimizer: undefined, state: undefined, env: undefined, hfDir };
		}
		const c = yield* loadCheckpoint(text);
		return {
			policy: { model: c.model, codec: c.codec },
			optimizer: c.optimizer,
			state: c.state,
			env: c.env,
			hfDir: undefined,
		};
	});
