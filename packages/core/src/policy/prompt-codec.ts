import type { BuiltPrompt } from "../env/prompt.ts";
import { decodeAnswer, encodeAnswer, encodePrompt } from "./prompting.ts";
import type { Tokenizer } from "./tokenizer.ts";

/**
 * How a policy turns prompts into token ids and generated ids back into answers: a tokenizer and
 * a prompt format together. Our GPT's is {@link stepwisePromptCodec} (its own special tokens); a
 * Hugging Face model's is `hfPromptCodec` (`@stepwise/core/hf/prompting`, the model's chat template).
 * Generation, SFT targets and rollouts that go through one codec agree on where an answer starts
 * and ends.
 */
export interface PromptCodec {
	/** Ids run `0..vocabSize-1`. */
	readonly vocabSize: number;
	/** Ids that end an answer (generation stops at the first). */
	readonly stopIds: ReadonlyArray<number>;
	/** The ids of a built prompt, ending where the answer starts. */
	readonly promptIds: (prompt: BuiltPrompt) => number[];
	/** The ids of a plain text prompt (`stepwise generate --prompt`), with the tokenizer's begin token. */
	readonly textIds: (text: string) => number[];
	/** The ids a policy should produce when it answers `text` to `prompt`, end id included. */
	readonly answerIds: (prompt: BuiltPrompt, text: string) => number[];
	/** The answer text of generated ids: before the first stop id, special tokens dropped. */
	readonly decodeAnswer: (ids: ReadonlyArray<number>) => string;
	/** The text of ids, special tokens kept. */
	readonly decode: (ids: ReadonlyArray<number>) => string;
}

/** The {@link PromptCodec} of our own tokenizer: `<bos><user>…<assistant><act>` prompts, answers closed by `</act>`. */
export const stepwisePromptCodec = (tokenizer: Tokenizer): PromptCodec => ({
	vocabSize: tokenizer.vocabSize,
	stopIds: [tokenizer.actEnd],
	promptIds: (prompt) => encodePrompt(tokenizer, prompt),
	textIds: (text) => [tokenizer.bos, ...tokenizer.encode(text)],
	answerIds: (_prompt, text) => encodeAnswer(tokenizer, text),
	decodeAnswer: (ids) => decodeAnswer(tokenizer, ids),
	decode: (ids) => tokenizer.decode(ids, true),
});
