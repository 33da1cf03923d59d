/**
 * Chat templates as transformers' `apply_chat_template` renders them: the model's Jinja template
 * (rendered by `@huggingface/jinja`, with trim_blocks and lstrip_blocks as transformers sets them),
 * given `messages`, `add_generation_prompt`, the special tokens' texts (`bos_token`, `eos_token` …)
 * and `raise_exception`; the text is then tokenized without the post-processor's special tokens, so
 * a template that writes `bos_token` itself gets it once.
 */
import { Template } from "@huggingface/jinja";
import { Schema } from "effect";
import type { ChatMessage } from "../env/types.ts";
import type { HfTokenizer } from "./tokenizer.ts";

/** The template is missing, does not parse, or raised an error (`raise_exception`) for these messages. */
export class ChatTemplateError extends Schema.TaggedError<ChatTemplateError>()("ChatTemplateError", {
	message: Schema.String,
}) {}

/** Options of {@link renderChat}. */
export interface RenderChatOptions {
	/** End with the header of an assistant turn, for the model to answer (default false, as in transformers). */
	readonly addGenerationPrompt?: boolean;
}

const parsed = new WeakMap<HfTokenizer, Template>();

const templateOf = (tokenizer: HfTokenizer): Template => {
	const cached = parsed.get(tokenizer);
	if (cached !== undefined) return cached;
	const source = tokenizer.chatTemplate;
	if (source === undefined)
		throw new ChatTemplateError({
			message: "the tokenizer has no chat template (tokenizer_config.json chat_template or chat_template.jinja)",
		});
	let template: Template;
	try {
		template = new Template(source);
	} catch (e) {
		throw new ChatTemplateError({ message: `chat template does not parse: ${e instanceof Error ? e.message : e}` });
	}
	parsed.set(tokenizer, template);
	return template;
};

/**
 * The text of a conversation in the tokenizer's chat template (`apply_chat_template(…, tokenize=False)`).
 * Throws {@link ChatTemplateError} when there is no template or the template raises.
 */
export const renderChat = (
	tokenizer: HfTokenizer,
	messages: ReadonlyArray<ChatMessage>,
	options: RenderChatOptions = {},
): string => {
	const template = templateOf(tokenizer);
	try {
		return template.render({
			...tokenizer.specialTokens,
			messages: messages.map((m) => ({ role: m.role, content: m.content })),
			add_generation_prompt: options.addGenerationPrompt ?? false,
		});
	} catch (e) {
		throw new ChatTemplateError({ message: e instanceof Error ? e.message : String(e) });
	}
};

/**
 * The ids of a conversation in the tokenizer's chat template, as `apply_chat_template(…, tokenize=True)`
 * gives them: the rendered text encoded without the post-processor's special tokens.
 */
export const chatIds = (
	tokenizer: HfTokenizer,
	messages: ReadonlyArray<ChatMessage>,
	options: RenderChatOptions = {},
): number[] => tokenizer.encode(renderChat(tokenizer, messages, options), { addSpecialTokens: false });
