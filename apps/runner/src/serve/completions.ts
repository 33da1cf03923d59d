/**
 * OpenAI's completion semantics over the {@link Engine}: requests become rows (the chat template,
 * token budgets, seeds), rows' results become OpenAI bodies or server-sent-event chunks (stop
 * strings, finish reasons, log-probs in both the chat and the legacy shape).
 */
import { hashSeed, Rng } from "@stepwise/core";
import type { Policy } from "@stepwise/core/policy/index";
import type { Engine, Row, RowResult } from "./engine.ts";
import type {
	ChatCompletion,
	ChatCompletionRequest,
	ChatMessage,
	Completion,
	CompletionRequest,
	ErrorBody,
	TokenLogprob,
	Usage,
} from "./openai-schema.ts";

/** A request the server refuses, with its HTTP status and OpenAI error fields. */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		message: string,
		readonly type = "invalid_request_error",
		readonly param: string | null = null,
		readonly code: string | null = null,
	) {
		super(message);
	}

	get body(): ErrorBody {
		return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
	}
}

/**
 * The chat prompt of the policy's codec: a Hugging Face model's chat template with the generation
 * prompt, or our GPT's (`encodePrompt`'s chat style): `<bos>`, then each message as
 * `<system>{content}` (system and developer), `<user>{content}` or
 * `<assistant><act>{content}</act>`, then `<assistant><act>` for the answer. A single user message
 * gives exactly the step-style prompt of an env, so an env's prompt reaches the model unchanged.
 */
export const chatPromptIds = (policy: Policy, messages: ReadonlyArray<ChatMessage>): number[] =>
	policy.codec.promptIds({
		style: "chat",
		messages: messages.map((m) => ({
			role: m.role === "developer" ? "system" : m.role,
			content: typeof m.content === "string" ? m.content : m.content.map((p) => p.text).join(""),
		})),
	});

/** A plain completion prompt: the begin token (where the tokenizer has one) and the text's tokens, or the given token ids. */
export const completionPromptIds = (policy: Policy, prompt: string | ReadonlyArray<number>): number[] => {
	if (typeof prompt === "string") return policy.codec.textIds(prompt);
	const V = policy.model.config.vocabSize;
	const bad = prompt.find((id) => id < 0 || id >= V);
	if (bad !== undefined)
		throw new ApiError(400, `prompt token id ${bad} is outside the vocabulary (0..${V - 1})`, undefined, "prompt");
	return [...prompt];
};

/** A prompt's last `keep` tokens (vLLM's `truncate_prompt_tokens`; all of them when absent). */
export const truncatePrompt = (ids: number[], keep: number | null | undefined): number[] =>
	keep !== undefined && keep !== null && ids.length > keep ? ids.slice(ids.length - keep) : ids;

/** What both endpoints share, decoded: sampling and the rows of a request. */
export interface Sampling {
	readonly n: number;
	readonly maxNewTokens: number;
	readonly stop: ReadonlyArray<string>;
	readonly topLogprobs: number;
	readonly logprobs: boolean;
}

/** The sampling stream of choice `i` of a request with this seed (`stepwise generate --seed` is choice 0). */
export const choiceRng = (seed: number, i: number): Rng => new Rng(hashSeed(seed, "serve", i));

/** The rows of a request: `n` choices, each with its own stream from the request's seed. */
export const requestRows = (
	policy: Policy,
	promptIds: ReadonlyArray<number>,
	r: ChatCompletionRequest | CompletionRequest,
	defaults: { readonly maxTokens: number },
	topLogprobs: number,
): { readonly rows: Row[]; readonly sampling: Omit<Sampling, "logprobs"> } => {
	const C = policy.model.config.contextLength;
	const room = C - promptIds.length;
	const asked = ("max_completion_tokens" in r ? r.max_completion_tokens : undefined) ?? r.max_tokens ?? undefined;
	if (room < 1 || (asked !== undefined && asked > room))
		throw new ApiError(
			400,
			`This model's maximum context length is ${C} tokens. However, you requested ${promptIds.length + (asked ?? 1)} tokens (${promptIds.length} in the prompt, ${asked ?? 1} for the completion).`,
			undefined,
			"messages",
			"context_length_exceeded",
		);
	const maxNewTokens = asked ?? Math.min(defaults.maxTokens, room);
	const temperature = r.temperature ?? 1;
	const greedy = temperature === 0;
	const n = r.n ?? 1;
	const seed = r.seed ?? Math.floor(Math.random() * 2 ** 31);
	const rows = Array.from(
		{ length: n },
		(_, i): Row => ({
			promptIds,
			maxNewTokens,
			greedy,
			temperature: greedy ? 1 : temperature,
			topP: r.top_p ?? 1,
			rng: choiceRng(seed, i),
			topLogprobs,
		}),
	);
	const stop = r.stop === undefined || r.stop === null ? [] : typeof r.stop === "string" ? [r.stop] : r.stop;
	return { rows, sampling: { n, maxNewTokens, stop, topLogprobs } };
};

/** One choice after stop strings: its tokens, their text pieces and why it ended. */
export interface Choice {
	readonly tokens: number[];
	readonly logProbs: number[];
	readonly top: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
	/** The text each token adds (specials add nothing; a split character lands on its last byte). */
	readonly pieces: string[];
	readonly text: string;
	readonly finish: "stop" | "length";
}

/** Cut a row's result at its first stop string (the stop text and tokens after it are dropped). */
export const toChoice = (policy: Policy, r: RowResult, stop: ReadonlyArray<string>): Choice => {
	const codec = policy.codec;
	const pieces: string[] = [];
	let prev = "";
	for (let i = 0; i < r.tokens.length; i++) {
		const text = codec.decodeText(r.tokens.slice(0, i + 1));
		// an incomplete UTF-8 sequence decodes to U+FFFD: its bytes wait for the next token
		if (text.endsWith("\uFFFD") && i < r.tokens.length - 1) pieces.push("");
		else {
			pieces.push(text.slice(prev.length));
			prev = text;
		}
	}
	const full = pieces.join("");
	let cut = -1;
	for (const s of stop) {
		const at = s === "" ? -1 : full.indexOf(s);
		if (at >= 0 && (cut < 0 || at < cut)) cut = at;
	}
	if (cut < 0)
		return {
			tokens: r.tokens,
			logProbs: r.logProbs,
			top: r.top,
			pieces,
			text: full,
			finish: r.stopped ? "stop" : "length",
		};
	let keep = 0;
	let length = 0;
	while (keep < pieces.length && length < cut) length += (pieces[keep++] as string).length;
	const kept = pieces.slice(0, keep);
	const over = length - cut;
	if (keep > 0 && over > 0) kept[keep - 1] = (kept[keep - 1] as string).slice(0, -over);
	return {
		tokens: r.tokens.slice(0, keep),
		logProbs: r.logProbs.slice(0, keep),
		top: r.top.slice(0, keep),
		pieces: kept,
		text: full.slice(0, cut),
		finish: "stop",
	};
};

const utf8 = new TextEncoder();

/** A token's name in log-prob entries: its text, or `token_id:N` (vLLM's `return_tokens_as_token_ids`). */
const tokenName = (policy: Policy, id: number, asIds: boolean): string =>
	asIds ? `token_id:${id}` : policy.codec.tokenText(id);

/** Chat log-prob entries of tokens `from … to − 1` of a choice. */
export const chatLogprobs = (
	policy: Policy,
	c: Choice,
	asIds: boolean,
	from = 0,
	to = c.tokens.length,
): TokenLogprob[] =>
	c.tokens.slice(from, to).map((id, j) => {
		const i = from + j;
		const token = tokenName(policy, id, asIds);
		return {
			token,
			logprob: c.logProbs[i] as number,
			bytes: [...utf8.encode(token)],
			top_logprobs: (c.top[i] ?? []).map(([alt, lp]) => {
				const name = tokenName(policy, alt, asIds);
				return { token: name, logprob: lp, bytes: [...utf8.encode(name)] };
			}),
		};
	});

export const usageOf = (promptIds: ReadonlyArray<number>, choices: ReadonlyArray<Choice>): Usage => {
	const completion = choices.reduce((s, c) => s + c.tokens.length, 0);
	return {
		prompt_tokens: promptIds.length,
		completion_tokens: completion,
		total_tokens: promptIds.length + completion,
	};
};

/** Request ids: `chatcmpl-…` / `cmpl-…`, unique within the process. */
let counter = 0;
export const requestId = (prefix: string): string => `${prefix}-${Date.now().toString(36)}${(counter++).toString(36)}`;

/** The chat answer body. */
export const chatCompletion = (
	policy: Policy,
	model: string,
	id: string,
	promptIds: ReadonlyArray<number>,
	choices: ReadonlyArray<Choice>,
	r: ChatCompletionRequest,
): ChatCompletion => ({
	id,
	object: "chat.completion",
	created: Math.floor(Date.now() / 1000),
	model,
	choices: choices.map((c, index) => ({
		index,
		message: { role: "assistant", content: c.text },
		finish_reason: c.finish,
		logprobs: r.logprobs ? { content: chatLogprobs(policy, c, r.return_tokens_as_token_ids ?? false) } : null,
		...(r.return_token_ids ? { token_ids: c.tokens } : {}),
	})),
	usage: usageOf(promptIds, choices),
	...(r.return_token_ids ? { prompt_token_ids: [...promptIds] } : {}),
});

/** The legacy log-probs of a completion choice. */
const legacyLogprobs = (policy: Policy, c: Choice, asIds: boolean, offset: number, from = 0, to = c.tokens.length) => {
	const text_offset: number[] = [];
	let at = offset + c.pieces.slice(0, from).join("").length;
	for (let i = from; i < to; i++) {
		text_offset.push(at);
		at += (c.pieces[i] as string).length;
	}
	return {
		tokens: c.tokens.slice(from, to).map((id) => tokenName(policy, id, asIds)),
		token_logprobs: c.logProbs.slice(from, to),
		top_logprobs: c.top
			.slice(from, to)
			.map((alts) => Object.fromEntries(alts.map(([alt, lp]) => [tokenName(policy, alt, asIds), lp]))),
		text_offset,
	};
};

/** The legacy completion body. */
export const completion = (
	policy: Policy,
	model: string,
	id: string,
	promptIds: ReadonlyArray<number>,
	choices: ReadonlyArray<Choice>,
	r: CompletionRequest,
	promptText: string,
): Completion => ({
	id,
	object: "text_completion",
	created: Math.floor(Date.now() / 1000),
	model,
	choices: choices.map((c, index) => ({
		index,
		text: (r.echo ? promptText : "") + c.text,
		finish_reason: c.finish,
		logprobs:
			r.logprobs !== undefined && r.logprobs !== null
				? legacyLogprobs(policy, c, r.return_tokens_as_token_ids ?? false, r.echo ? promptText.length : 0)
				: null,
		...(r.return_token_ids ? { token_ids: c.tokens } : {}),
	})),
	usage: usageOf(promptIds, choices),
	...(r.return_token_ids ? { prompt_token_ids: [...promptIds] } : {}),
});

/**
 * The server-sent events of one streamed request, chunk by chunk: per choice a role chunk (chat),
 * one chunk per token (its text and log-probs), a closing chunk with the finish reason; then the
 * usage when asked, and `[DONE]`.
 */
export class SseEvents {
	private readonly created = Math.floor(Date.now() / 1000);
	private readonly object: string;
	private readonly asIds: boolean;
	private readonly wantLogprobs: boolean;
	/** Text sent so far per choice (the legacy log-probs' `text_offset`). */
	private readonly sent = new Map<number, number>();

	constructor(
		private readonly policy: Policy,
		private readonly kind: "chat" | "text",
		private readonly model: string,
		private readonly id: string,
		private readonly r: ChatCompletionRequest | CompletionRequest,
	) {
		this.object = kind === "chat" ? "chat.completion.chunk" : "text_completion";
		this.asIds = r.return_tokens_as_token_ids ?? false;
		this.wantLogprobs = kind === "chat" ? r.logprobs === true : r.logprobs !== undefined && r.logprobs !== null;
	}

	private event(body: Record<string, unknown>): string {
		return `data: ${JSON.stringify({ id: this.id, object: this.object, created: this.created, model: this.model, ...body })}\n\n`;
	}

	private chunk(index: number, text: string | undefined, rest: Record<string, unknown>): string {
		const content =
			this.kind === "chat" ? { delta: text === undefined ? {} : { content: text } } : { text: text ?? "" };
		return this.event({ choices: [{ index, ...content, ...rest }] });
	}

	/** The opening chunk of a choice (chat: the assistant's role; none for text). */
	start(index: number): string[] {
		return this.kind === "chat"
			? [
					this.event({
						choices: [{ index, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }],
					}),
				]
			: [];
	}

	/** A token of a choice: its text piece, id, log-prob and alternatives. */
	token(
		index: number,
		piece: string,
		tokenId: number,
		logProb: number,
		top: ReadonlyArray<readonly [number, number]> = [],
	): string {
		const one: Choice = {
			tokens: [tokenId],
			logProbs: [logProb],
			top: [top],
			pieces: [piece],
			text: piece,
			finish: "length",
		};
		const at = this.sent.get(index) ?? 0;
		this.sent.set(index, at + piece.length);
		const logprobs = !this.wantLogprobs
			? null
			: this.kind === "chat"
				? { content: chatLogprobs(this.policy, one, this.asIds) }
				: legacyLogprobs(this.policy, one, this.asIds, at);
		return this.chunk(index, piece, {
			logprobs,
			finish_reason: null,
			...(this.r.return_token_ids ? { token_ids: [tokenId] } : {}),
		});
	}

	/** Text of a choice that belongs to no single token (bytes completed by the last one). */
	text(index: number, piece: string): string {
		this.sent.set(index, (this.sent.get(index) ?? 0) + piece.length);
		return this.chunk(index, piece, { logprobs: null, finish_reason: null });
	}

	/** The closing chunk of a choice. */
	finish(index: number, reason: "stop" | "length"): string {
		return this.chunk(index, this.kind === "chat" ? undefined : "", { logprobs: null, finish_reason: reason });
	}

	/** The usage chunk (when asked) and `[DONE]`. */
	end(usage: Usage): string[] {
		return [...(this.r.stream_options?.include_usage ? [this.event({ choices: [], usage })] : []), "data: [DONE]\n\n"];
	}
}

/** The server-sent events of an answer generated in full (all its chunks at once). */
export const streamEvents = (
	events: SseEvents,
	promptIds: ReadonlyArray<number>,
	choices: ReadonlyArray<Choice>,
): string[] => [
	...choices.flatMap((c, index) => [
		...events.start(index),
		...c.tokens.map((tokenId, i) =>
			events.token(index, c.pieces[i] as string, tokenId, c.logProbs[i] as number, c.top[i] ?? []),
		),
		events.finish(index, c.finish),
	]),
	...events.end(usageOf(promptIds, choices)),
];

/**
 * The text pieces of a growing token sequence: each new token's text, an incomplete UTF-8 sequence
 * held back until its last byte arrives (as {@link toChoice} splits a whole answer).
 */
export class PieceDecoder {
	private readonly tokens: number[] = [];
	private sent = "";

	constructor(private readonly policy: Policy) {}

	/** The text the token adds. */
	push(token: number): string {
		this.tokens.push(token);
		const text = this.policy.codec.decodeText(this.tokens);
		if (text.endsWith("\uFFFD")) return "";
		const piece = text.slice(this.sent.length);
		this.sent = text;
		return piece;
	}

	/** Text still held back at the end. */
	flush(): string {
		const text = this.policy.codec.decodeText(this.tokens);
		const rest = text.slice(this.sent.length);
		this.sent = text;
		return rest;
	}

	get count(): number {
		return this.tokens.length;
	}
}

/** Generate a request's choices on the engine. */
export const runChoices = async (
	engine: Engine,
	rows: ReadonlyArray<Row>,
	stop: ReadonlyArray<string>,
): Promise<Choice[]> => (await engine.submit(rows)).map((r) => toChoice(engine.policy, r, stop));
