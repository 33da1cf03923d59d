/**
 * Prompts and answers of a Hugging Face model, in the model's own chat template: the chat style's
 * messages go through the template as they are; a step or compact prompt is one user message. The
 * answer (the action span SFT trains on and rollouts sample) is the assistant turn: the ids of its
 * content and its end-of-turn token, found by rendering the conversation with and without the
 * final assistant message.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Effect } from "effect";
import type { BuiltPrompt } from "../env/prompt.ts";
import type { ChatMessage } from "../env/types.ts";
import type { PromptCodec } from "../policy/prompt-codec.ts";
import { ChatTemplateError, chatIds } from "./chat-template.ts";
import { type HfTokenizer, HfTokenizerError, loadHfTokenizer, TOKENIZER_FILES } from "./tokenizer.ts";

/** The messages of a built prompt: the chat transcript, or the step/compact text as one user message. */
export const promptMessages = (prompt: BuiltPrompt): ReadonlyArray<ChatMessage> =>
	prompt.style === "chat" ? prompt.messages : [{ role: "user", content: prompt.text }];

/** The ids a model answers after: the template with the generation prompt (`add_generation_prompt=True`). */
export const hfPromptIds = (tokenizer: HfTokenizer, prompt: BuiltPrompt): number[] =>
	chatIds(tokenizer, promptMessages(prompt), { addGenerationPrompt: true });

/**
 * The ids a model should produce for `answer` after {@link hfPromptIds}: the conversation with the
 * assistant message appended, rendered without the generation prompt, less the prompt's ids, up to
 * and including the first end id (`<|im_end|>`, `<|eot_id|>`, `</s>`); what the template writes
 * after the end of turn (ChatML's newline) is not part of the answer. Throws
 * {@link ChatTemplateError} when the template does not render the prompt as a prefix of the whole
 * conversation (a template that rewrites earlier turns, such as one dropping past reasoning).
 */
export const hfAnswerIds = (tokenizer: HfTokenizer, prompt: BuiltPrompt, answer: string): number[] => {
	const messages = promptMessages(prompt);
	const head = chatIds(tokenizer, messages, { addGenerationPrompt: true });
	const full = chatIds(tokenizer, [...messages, { role: "assistant", content: answer }]);
	const differs = head.findIndex((id, i) => full[i] !== id);
	if (differs >= 0 || full.length < head.length)
		throw new ChatTemplateError({
			message: `the chat template's prompt is not a prefix of the conversation with the answer (token ${differs < 0 ? full.length : differs} differs)`,
		});
	const tail = full.slice(head.length);
	const end = tail.findIndex((id) => tokenizer.eos.includes(id));
	return end < 0 ? tail : tail.slice(0, end + 1);
};

/** The answer text of generated ids: everything before the first end id, special tokens dropped. */
export const hfDecodeAnswer = (tokenizer: HfTokenizer, ids: ReadonlyArray<number>): string => {
	const end = ids.findIndex((id) => tokenizer.eos.includes(id));
	return tokenizer.decode(end < 0 ? ids : ids.slice(0, end), { skipSpecialTokens: true });
};

/**
 * The {@link PromptCodec} of a Hugging Face tokenizer and its chat template; `dir` is the model
 * directory it was loaded from (checkpoints copy its tokenizer files, worker threads reload them).
 */
export const hfPromptCodec = (
	tokenizer: HfTokenizer,
	dir: string,
	files: ReadonlyMap<string, Uint8Array> = new Map(),
): PromptCodec => ({
	vocabSize: tokenizer.vocabSize,
	stopIds: tokenizer.eos,
	padId: tokenizer.pad ?? tokenizer.eos[0] ?? 0,
	bannedIds: [...tokenizer.specialIds].filter((id) => !tokenizer.eos.includes(id)).sort((a, b) => a - b),
	promptIds: (prompt) => hfPromptIds(tokenizer, prompt),
	textIds: (text) => tokenizer.encode(text),
	answerIds: (prompt, text) => hfAnswerIds(tokenizer, prompt, text),
	decodeAnswer: (ids) => hfDecodeAnswer(tokenizer, ids),
	decode: (ids) => tokenizer.decode(ids),
	decodeText: (ids) => tokenizer.decode(ids, { skipSpecialTokens: true }),
	tokenText: (id) => tokenizer.idToToken(id) ?? `<unk:${id}>`,
	tokenizer: { kind: "hf", dir, files },
});

/**
 * Load a Hugging Face model directory's tokenizer and chat template as a {@link PromptCodec}, with
 * the bytes of its tokenizer files (so that a checkpoint saves them even after `dir` is gone, as
 * an SFT run resumed from its previous partial checkpoint removes that checkpoint).
 */
export const loadHfPromptCodec = (dir: string): Effect.Effect<PromptCodec, HfTokenizerError> =>
	Effect.gen(function* () {
		const tokenizer = yield* loadHfTokenizer(dir);
		const files = new Map<string, Uint8Array>();
		for (const name of TOKENIZER_FILES) {
			const path = join(dir, name);
			if (!existsSync(path)) continue;
			const bytes = yield* Effect.try({
				try: () => new Uint8Array(readFileSync(path)),
				catch: (e) =>
					new HfTokenizerError({ file: path, message: `cannot read: ${e instanceof Error ? e.message : e}` }),
			});
			files.set(name, bytes);
		}
		return hfPromptCodec(tokenizer, resolve(dir), files);
	});
