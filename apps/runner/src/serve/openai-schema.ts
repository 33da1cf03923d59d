/**
 * The bodies of the OpenAI-compatible API (`stepwise serve`), as Schemas: what a client sends is
 * decoded with these, what the server answers is built to these types. Fields beyond OpenAI's are
 * vLLM's spelling (`return_token_ids`, `return_tokens_as_token_ids`), so one client speaks to both.
 */
import { Schema } from "effect";

const Probability = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }));
const Temperature = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 2 }));
const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1));
const opt = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema));

/** Sampling fields both generation endpoints take. */
const sampling = {
	model: Schema.String,
	temperature: opt(Temperature),
	top_p: opt(Probability),
	max_tokens: opt(PositiveInt),
	stop: opt(Schema.Union([Schema.String, Schema.Array(Schema.String)])),
	n: opt(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 16 }))),
	seed: opt(Schema.Int),
	stream: opt(Schema.Boolean),
	stream_options: opt(Schema.Struct({ include_usage: opt(Schema.Boolean) })),
	/** vLLM: answer with `prompt_token_ids` and each choice's `token_ids`. */
	return_token_ids: opt(Schema.Boolean),
	/** vLLM: log-prob entries name tokens as `token_id:N`. */
	return_tokens_as_token_ids: opt(Schema.Boolean),
	/** vLLM: keep only the prompt's last N tokens (as local generation fits a long prompt into the context). */
	truncate_prompt_tokens: opt(PositiveInt),
};

/** A chat message; content as text or as text parts. */
export const ChatMessage = Schema.Struct({
	role: Schema.Literals(["system", "developer", "user", "assistant"]),
	content: Schema.Union([
		Schema.String,
		Schema.Array(Schema.Struct({ type: Schema.Literal("text"), text: Schema.String })),
	]),
});
export type ChatMessage = typeof ChatMessage.Type;

/** `POST /v1/chat/completions`. */
export const ChatCompletionRequest = Schema.Struct({
	...sampling,
	messages: Schema.Array(ChatMessage).check(Schema.isMinLength(1)),
	max_completion_tokens: opt(PositiveInt),
	logprobs: opt(Schema.Boolean),
	top_logprobs: opt(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 20 }))),
});
export type ChatCompletionRequest = typeof ChatCompletionRequest.Type;

/** `POST /v1/completions`: one prompt, as text or token ids. */
export const CompletionRequest = Schema.Struct({
	...sampling,
	prompt: Schema.Union([Schema.String, Schema.Array(Schema.Int).check(Schema.isMinLength(1))]),
	/** The legacy API's log-probs: the number of alternatives per token (0 = the chosen token only). */
	logprobs: opt(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 20 }))),
	echo: opt(Schema.Boolean),
});
export type CompletionRequest = typeof CompletionRequest.Type;

const TopLogprob = Schema.Struct({
	token: Schema.String,
	logprob: Schema.Finite,
	bytes: Schema.Array(Schema.Int),
});
const TokenLogprob = Schema.Struct({
	token: Schema.String,
	logprob: Schema.Finite,
	bytes: Schema.Array(Schema.Int),
	top_logprobs: Schema.Array(TopLogprob),
});
export type TokenLogprob = typeof TokenLogprob.Type;

const Usage = Schema.Struct({
	prompt_tokens: Schema.Int,
	completion_tokens: Schema.Int,
	total_tokens: Schema.Int,
});
export type Usage = typeof Usage.Type;

const FinishReason = Schema.Literals(["stop", "length"]);

/** The answer of `POST /v1/chat/completions` (not streamed). */
export const ChatCompletion = Schema.Struct({
	id: Schema.String,
	object: Schema.Literal("chat.completion"),
	created: Schema.Int,
	model: Schema.String,
	choices: Schema.Array(
		Schema.Struct({
			index: Schema.Int,
			message: Schema.Struct({ role: Schema.Literal("assistant"), content: Schema.String }),
			finish_reason: FinishReason,
			logprobs: Schema.NullOr(Schema.Struct({ content: Schema.Array(TokenLogprob) })),
			token_ids: Schema.optionalKey(Schema.Array(Schema.Int)),
		}),
	),
	usage: Usage,
	prompt_token_ids: Schema.optionalKey(Schema.Array(Schema.Int)),
});
export type ChatCompletion = typeof ChatCompletion.Type;

/** The legacy log-probs of `POST /v1/completions`. */
const CompletionLogprobs = Schema.Struct({
	tokens: Schema.Array(Schema.String),
	token_logprobs: Schema.Array(Schema.Finite),
	top_logprobs: Schema.Array(Schema.Record(Schema.String, Schema.Finite)),
	text_offset: Schema.Array(Schema.Int),
});

/** The answer of `POST /v1/completions` (not streamed). */
export const Completion = Schema.Struct({
	id: Schema.String,
	object: Schema.Literal("text_completion"),
	created: Schema.Int,
	model: Schema.String,
	choices: Schema.Array(
		Schema.Struct({
			index: Schema.Int,
			text: Schema.String,
			finish_reason: FinishReason,
			logprobs: Schema.NullOr(CompletionLogprobs),
			token_ids: Schema.optionalKey(Schema.Array(Schema.Int)),
		}),
	),
	usage: Usage,
	prompt_token_ids: Schema.optionalKey(Schema.Array(Schema.Int)),
});
export type Completion = typeof Completion.Type;

/** `GET /v1/models`. */
export const ModelList = Schema.Struct({
	object: Schema.Literal("list"),
	data: Schema.Array(
		Schema.Struct({
			id: Schema.String,
			object: Schema.Literal("model"),
			created: Schema.Int,
			owned_by: Schema.String,
			max_model_len: Schema.Int,
		}),
	),
});
export type ModelList = typeof ModelList.Type;

/** OpenAI's error body. */
export const ErrorBody = Schema.Struct({
	error: Schema.Struct({
		message: Schema.String,
		type: Schema.String,
		param: Schema.NullOr(Schema.String),
		code: Schema.NullOr(Schema.String),
	}),
});
export type ErrorBody = typeof ErrorBody.Type;
