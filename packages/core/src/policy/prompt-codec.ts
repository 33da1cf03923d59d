import type { BuiltPrompt } from "../env/prompt.ts";
import { decodeAnswer, encodeAnswer, encodePrompt } from "./prompting.ts";
import type { Tokenizer, TokenizerJson } from "./tokenizer.ts";

/**
 * Where a codec's tokenizer comes from, so a checkpoint can save it and a worker thread rebuild it:
 * our own tokenizer (saved as its JSON), or a Hugging Face model directory's tokenizer files and
 * chat template (copied into checkpoints).
 */
export type CodecTokenizer =
	| { readonly kind: "stepwise"; readonly tokenizer: Tokenizer }
	| {
			readonly kind: "hf";
			readonly dir: string;
			/** The tokenizer files as read at load (name → bytes): checkpoints save these, whatever becomes of `dir`. */
			readonly files: ReadonlyMap<string, Uint8Array>;
	  };

/** The structured-clonable form of a {@link CodecTokenizer} (what a worker thread receives). */
export type CodecTokenizerSpec =
	| { readonly kind: "stepwise"; readonly tokenizer: TokenizerJson }
	| { readonly kind: "hf"; readonly dir: string };

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
	/** The id fed to finished rows and used for left padding (always masked). */
	readonly padId: number;
	/** Ids a policy never samples: the special tokens other than the stop ids. */
	readonly bannedIds: ReadonlyArray<number>;
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
	/** The text of ids, special tokens dropped (what a completion shows). */
	readonly decodeText: (ids: ReadonlyArray<number>) => string;
	/** The display text of one id (log-prob entries). */
	readonly tokenText: (id: number) => string;
	/** The tokenizer behind the codec, for checkpoints and worker threads. */
	readonly tokenizer: CodecTokenizer;
}

/** The {@link PromptCodec} of our own tokenizer: `<bos><user>…<assistant><act>` prompts, answers closed by `</act>`. */
export const stepwisePromptCodec = (tokenizer: Tokenizer): PromptCodec => ({
	vocabSize: tokenizer.vocabSize,
	stopIds: [tokenizer.actEnd],
	padId: tokenizer.pad,
	bannedIds: tokenizer.specialIds().filter((id) => id !== tokenizer.actEnd),
	promptIds: (prompt) => encodePrompt(tokenizer, prompt),
	textIds: (text) => [tokenizer.bos, ...tokenizer.encode(text)],
	answerIds: (_prompt, text) => encodeAnswer(tokenizer, text),
	decodeAnswer: (ids) => decodeAnswer(tokenizer, ids),
	decode: (ids) => tokenizer.decode(ids, true),
	decodeText: (ids) => tokenizer.decode(ids),
	tokenText: (id) => tokenizer.tokenText(id),
	tokenizer: { kind: "stepwise", tokenizer },
});

/** The clonable form of a codec's tokenizer. */
export const codecTokenizerSpec = (codec: PromptCodec): CodecTokenizerSpec =>
	codec.tokenizer.kind === "stepwise"
		? { kind: "stepwise", tokenizer: codec.tokenizer.tokenizer.toJSON() }
		: { kind: "hf", dir: codec.tokenizer.dir };
