/**
 * A model behind an OpenAI-compatible server (vLLM, llama.cpp's server, Ollama, a hosted API or
 * `stepwise serve`) as a policy: `--policy openai:BASE_URL#MODEL`. Each prompt goes out as a chat
 * request (a step-style prompt as one user message; chat-style prompts as their messages), greedy
 * rows at temperature 0; token ids and log-probs are kept when the server returns them (vLLM's
 * `return_token_ids`, asked for unless the server refuses it). Requests run with a concurrency
 * limit, a timeout per attempt, and retries with exponential backoff on transient failures.
 */
import type { BuiltPrompt, ManagedEnv, Trajectory } from "@stepwise/core";
import { type Answer, type AnswerRow, type CollectOptions, collectRolloutsWith } from "@stepwise/core/policy/index";
import { Duration, Effect, Option, Schedule, Schema } from "effect";
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http";

/** A remote policy failed for good (bad spec, refused request, retries exhausted). */
export class RemotePolicyError extends Schema.TaggedError<RemotePolicyError>()("RemotePolicyError", {
	message: Schema.String,
	/** Worth retrying (a timeout, a refused connection, 429 or 5xx). */
	transient: Schema.Boolean,
}) {}

/** Where the model is: the API base (ending in `/v1`) and the model id. */
export interface OpenAiPolicySpec {
	readonly baseUrl: string;
	readonly model: string;
}

/** The prefix of remote policies in `--policy`. */
export const OPENAI_PREFIX = "openai:";

/** `openai:http://host:8000#name` or `openai:http://host:8000/v1#name`; undefined for other policies. */
export const parseOpenAiPolicy = (text: string): OpenAiPolicySpec | RemotePolicyError | undefined => {
	if (!text.startsWith(OPENAI_PREFIX)) return undefined;
	const rest = text.slice(OPENAI_PREFIX.length);
	const hash = rest.lastIndexOf("#");
	const bad = (why: string) =>
		new RemotePolicyError({ message: `--policy ${text}: ${why} (expected openai:BASE_URL#MODEL)`, transient: false });
	if (hash < 0 || hash === rest.length - 1) return bad("no model after #");
	let url: URL;
	try {
		url = new URL(rest.slice(0, hash));
	} catch {
		return bad("the base URL does not parse");
	}
	if (url.protocol !== "http:" && url.protocol !== "https:") return bad("the base URL is not http(s)");
	const path = url.pathname.replace(/\/+$/, "");
	return { baseUrl: `${url.origin}${path === "" ? "/v1" : path}`, model: rest.slice(hash + 1) };
};

/** How to talk to the server. */
export interface OpenAiPolicyOptions {
	/** Bearer token (default `OPENAI_API_KEY`). */
	readonly apiKey?: string | undefined;
	/** Requests in flight at once (default 8). */
	readonly concurrency?: number;
	/** Seconds one attempt may take (default 60). */
	readonly timeoutSeconds?: number;
	/** Retries of a transient failure, with exponential backoff from 200 ms (default 3). */
	readonly retries?: number;
	/** Most tokens of one answer. */
	readonly maxNewTokens: number;
	/** Temperature of sampled rows (default 1). */
	readonly temperature?: number;
	readonly topP?: number;
}

/** What we read of a chat answer (lenient: servers differ in what else they send). */
const ChatAnswer = Schema.Struct({
	choices: Schema.Array(
		Schema.Struct({
			message: Schema.Struct({ content: Schema.optionalKey(Schema.NullOr(Schema.String)) }),
			logprobs: Schema.optionalKey(
				Schema.NullOr(
					Schema.Struct({
						content: Schema.optionalKey(
							Schema.NullOr(Schema.Array(Schema.Struct({ token: Schema.String, logprob: Schema.Finite }))),
						),
					}),
				),
			),
			token_ids: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.Int))),
		}),
	).check(Schema.isMinLength(1)),
	prompt_token_ids: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.Int))),
});

/** What we read of `GET /v1/models`: each model's context where the server lists it. */
const ModelsAnswer = Schema.Struct({
	data: Schema.Array(
		Schema.Struct({ id: Schema.String, max_model_len: Schema.optionalKey(Schema.NullOr(Schema.Int)) }),
	),
});

/** The chat messages of a built prompt. */
export const promptMessages = (built: BuiltPrompt): Array<{ role: string; content: string }> =>
	built.style === "chat"
		? built.messages.map((m) => ({ role: m.role, content: m.content }))
		: [{ role: "user", content: built.text }];

const TOKEN_ID = /^token_id:(\d+)$/;

/** A row's answer from a chat answer's first choice. */
const toAnswer = (body: typeof ChatAnswer.Type): Answer => {
	const choice = body.choices[0] as (typeof body.choices)[number];
	const entries = choice.logprobs?.content ?? [];
	const fromNames = entries.map((e) => TOKEN_ID.exec(e.token)?.[1]);
	const tokens =
		choice.token_ids ??
		(entries.length > 0 && fromNames.every((x) => x !== undefined) ? fromNames.map(Number) : undefined);
	// log-probs are only stored beside the tokens they belong to
	const aligned = tokens !== undefined && entries.length === tokens.length;
	return {
		promptIds: tokens !== undefined ? [...(body.prompt_token_ids ?? [])] : [],
		tokens: aligned ? [...tokens] : [],
		logProbs: aligned ? entries.map((e) => e.logprob) : [],
		response: choice.message.content ?? "",
	};
};

/**
 * An answerer for `collectRolloutsWith`: each row as one chat request to the server. The answers
 * come back in row order; a row's sampling seed comes from its own stream, so a seeded server gives
 * the same trajectories again.
 */
export const openAiAnswerer = (spec: OpenAiPolicySpec, options: OpenAiPolicyOptions) => {
	const apiKey = options.apiKey ?? process.env.OPENAI_API_KEY;
	/** Cleared when the server refuses vLLM's extra fields (token ids, prompt truncation). */
	let extras = true;
	const authorize = (request: HttpClientRequest.HttpClientRequest) =>
		apiKey !== undefined && apiKey !== "" ? HttpClientRequest.bearerToken(request, apiKey) : request;
	/**
	 * The model's context (`max_model_len` in `/v1/models`, as vLLM and `stepwise serve` list it),
	 * asked once; unknown (undefined) when the server does not say.
	 */
	let context: number | undefined | null = null;
	const contextLength = Effect.gen(function* () {
		if (context !== null) return context;
		const client = yield* HttpClient.HttpClient;
		const listed = yield* client.execute(authorize(HttpClientRequest.get(`${spec.baseUrl}/models`))).pipe(
			Effect.flatMap((r) => (r.status === 200 ? r.json : Effect.succeed(undefined))),
			Effect.timeout(Duration.seconds(options.timeoutSeconds ?? 60)),
			Effect.orElseSucceed(() => undefined),
		);
		const model = Schema.decodeUnknownOption(ModelsAnswer)(listed).pipe(
			Option.flatMap((m) => Option.fromNullishOr(m.data.find((d) => d.id === spec.model)?.max_model_len)),
		);
		context = Option.getOrUndefined(model);
		return context;
	});
	const ask = (row: AnswerRow) => {
		// drawn once per row, so a retry asks for the same sample
		const seed = row.rng.nextUint32() & 0x7fffffff;
		return Effect.gen(function* () {
			const client = yield* HttpClient.HttpClient;
			const C = yield* contextLength;
			// a prompt too long for the context keeps its last tokens, as local generation does
			const keep = C !== undefined && C > options.maxNewTokens ? C - options.maxNewTokens : undefined;
			const body = {
				model: spec.model,
				messages: promptMessages(row.built),
				max_tokens: options.maxNewTokens,
				temperature: row.greedy ? 0 : (options.temperature ?? 1),
				...(options.topP !== undefined && !row.greedy ? { top_p: options.topP } : {}),
				seed,
				logprobs: true,
				...(extras
					? {
							return_token_ids: true,
							return_tokens_as_token_ids: true,
							...(keep !== undefined ? { truncate_prompt_tokens: keep } : {}),
						}
					: {}),
			};
			const request = authorize(
				HttpClientRequest.post(`${spec.baseUrl}/chat/completions`).pipe(
					HttpClientRequest.bodyJsonUnsafe(body),
					HttpClientRequest.acceptJson,
				),
			);
			const response = yield* client.execute(request).pipe(
				Effect.timeoutOrElse({
					duration: Duration.seconds(options.timeoutSeconds ?? 60),
					orElse: () =>
						Effect.fail(
							new RemotePolicyError({
								message: `${spec.baseUrl}: no answer in ${options.timeoutSeconds ?? 60} s`,
								transient: true,
							}),
						),
				}),
				Effect.mapError((e) =>
					e instanceof RemotePolicyError
						? e
						: new RemotePolicyError({ message: `${spec.baseUrl}: ${e.message}`, transient: true }),
				),
			);
			const text = yield* Effect.orElseSucceed(response.text, () => "");
			if (response.status !== 200) {
				if (response.status === 400 && extras && /return_token|truncate_prompt/.test(text)) {
					extras = false;
					return yield* new RemotePolicyError({ message: "retry without token ids", transient: true });
				}
				return yield* new RemotePolicyError({
					message: `${spec.baseUrl}/chat/completions answered ${response.status}: ${text.slice(0, 300)}`,
					transient: response.status === 429 || response.status >= 500,
				});
			}
			const decoded = yield* Effect.try({
				try: () => Schema.decodeUnknownSync(ChatAnswer)(JSON.parse(text)),
				catch: (e) =>
					new RemotePolicyError({
						message: `${spec.baseUrl}: unexpected answer: ${String(e).split("\n")[0]}`,
						transient: false,
					}),
			});
			return toAnswer(decoded);
		}).pipe(
			Effect.retry({
				schedule: Schedule.exponential(Duration.millis(200)),
				times: options.retries ?? 3,
				while: (e) => e.transient,
			}),
		);
	};
	return (rows: ReadonlyArray<AnswerRow>): Promise<Answer[]> =>
		Effect.runPromise(
			Effect.forEach(rows, ask, { concurrency: options.concurrency ?? 8 }).pipe(Effect.provide(FetchHttpClient.layer)),
		);
};

/** The remote policy's options from a run config's `openai` section and rollout settings. */
export const remoteOptions = (config: {
	readonly openai?: {
		readonly apiKey?: string;
		readonly concurrency?: number;
		readonly timeoutSeconds?: number;
		readonly retries?: number;
	};
	readonly rollout: { readonly maxNewTokens: number; readonly temperature: number };
}): OpenAiPolicyOptions => ({
	...(config.openai ?? {}),
	maxNewTokens: config.rollout.maxNewTokens,
	temperature: config.rollout.temperature,
});

/** Rollouts of a remote policy over the given envs (as `collectRollouts` plays a local one). */
export const collectRemote = (
	spec: OpenAiPolicySpec,
	options: OpenAiPolicyOptions,
	envs: ReadonlyArray<ManagedEnv>,
	collect: CollectOptions,
): Effect.Effect<Trajectory[], RemotePolicyError> =>
	Effect.tryPromise({
		try: () =>
			collectRolloutsWith(
				// the collect options' decoding settings win, as they do for a local policy
				openAiAnswerer(spec, {
					...options,
					...(collect.maxNewTokens !== undefined ? { maxNewTokens: collect.maxNewTokens } : {}),
					...(collect.temperature !== undefined ? { temperature: collect.temperature } : {}),
					...(collect.topP !== undefined ? { topP: collect.topP } : {}),
				}),
				envs,
				collect,
			),
		catch: (e) =>
			e instanceof RemotePolicyError
				? e
				: new RemotePolicyError({ message: e instanceof Error ? e.message : String(e), transient: false }),
	});

/** A remote policy's episode as transcript lines (answer → action, reward) and a result line. */
export const formatRemoteEpisode = (t: Trajectory): { readonly transcript: string; readonly result: string } => {
	const round = (x: number) => Math.round(x * 1e4) / 1e4;
	const lines = t.steps.map(
		(s, i) =>
			`> [${i + 1}] ${JSON.stringify(s.response)} → ${s.action === "" ? "(no action)" : s.action}  (reward ${round(s.reward)}, valid ${s.valid}${s.terminated ? ", terminated" : ""}${s.truncated ? ", truncated" : ""})`,
	);
	const ret = t.steps.reduce((sum, s) => sum + s.reward, 0);
	return {
		transcript: [`task ${t.taskId}${t.taskType ? ` (${t.taskType})` : ""}`, ...lines].join("\n"),
		result: `${t.won ? "WON" : "lost"} in ${t.steps.length} steps, return ${round(ret)}, score ${round(t.score)}`,
	};
};
