/**
 * A Hugging Face model directory as a policy: the Llama-family model (with fresh LoRA adapters on
 * its frozen base, or every weight trainable) and the codec of its own tokenizer and chat template.
 * `--policy hf:DIR` (or a directory holding a Hugging Face `config.json`) names one.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import type { PromptCodec } from "../policy/prompt-codec.ts";
import type { HfModelError } from "./errors.ts";
import type { LlamaPolicy } from "./llama.ts";
import { isHfModelDir, type LoadHfOptions, loadHfModel } from "./load.ts";
import { loadHfPromptCodec } from "./prompting.ts";
import type { HfTokenizerError } from "./tokenizer.ts";

/**
 * The model directory a `--policy` names: `hf:DIR`, or a directory holding a Hugging Face
 * `config.json`. A leading `~/` of `hf:~/DIR` is the home directory (the shell expands `~` only at
 * the start of a word, not after `hf:`).
 */
export const hfModelDirOf = (policy: string): string | undefined => {
	if (!policy.startsWith("hf:")) return existsSync(policy) && isHfModelDir(policy) ? policy : undefined;
	const dir = policy.slice(3);
	return dir === "~" || dir.startsWith("~/") ? join(homedir(), dir.slice(1)) : dir;
};

/** A Hugging Face model and its codec (a {@link Policy} whose model is a {@link LlamaPolicy}). */
export interface HfPolicy {
	readonly model: LlamaPolicy;
	readonly codec: PromptCodec;
}

/**
 * Load a Hugging Face model directory as a policy: the model ({@link loadHfModel}; `lora` puts fresh
 * adapters on a frozen base) and its tokenizer and chat template as the codec. Fails naming the
 * file at fault: a missing directory or `config.json`, a tensor, a tokenizer file.
 */
export const loadHfPolicy = (
	dir: string,
	options: LoadHfOptions = {},
): Effect.Effect<HfPolicy, HfModelError | HfTokenizerError> =>
	Effect.gen(function* () {
		const model = yield* loadHfModel(dir, options);
		const codec = yield* loadHfPromptCodec(dir).pipe(Effect.tapError(() => Effect.sync(() => model.dispose())));
		return { model, codec };
	});
