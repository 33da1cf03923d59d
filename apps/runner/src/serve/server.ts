/**
 * `stepwise serve`: an OpenAI-compatible HTTP API over a policy checkpoint, built with Effect's
 * `HttpApi` (the bodies' Schemas give `GET /openapi.json`). The generation endpoints read their
 * body themselves (`handleRaw`) so that every refusal — malformed JSON, a bad field, an unknown
 * model, a prompt over the context — answers in OpenAI's error shape, and so a streamed answer
 * can go out as server-sent events. Requests from all clients share the {@link Engine}'s batches.
 */
import { createServer } from "node:http";
import { NodeHttpServer } from "@effect/platform-node";
import type { Policy } from "@stepwise/core/policy/index";
import { Effect, Exit, Layer, Queue, Schema, Stream } from "effect";
import { HttpRouter, HttpServerResponse } from "effect/http";
import type { HttpServerRequest } from "effect/http/HttpServerRequest";
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api";
import { checkBinding, isAuthorized } from "./auth.ts";
import {
	ApiError,
	type Choice,
	chatCompletion,
	chatPromptIds,
	completion,
	completionPromptIds,
	PieceDecoder,
	requestId,
	requestRows,
	runChoices,
	SseEvents,
	streamEvents,
	truncatePrompt,
} from "./completions.ts";
import { Engine, type EngineOptions, type Row } from "./engine.ts";
import {
	ChatCompletion,
	ChatCompletionRequest,
	Completion,
	CompletionRequest,
	ErrorBody,
	ModelList,
} from "./openai-schema.ts";

/** Work counters of the serving engine (`GET /stats`). */
export const EngineStatsBody = Schema.Struct({
	requests: Schema.Int,
	rows: Schema.Int,
	batches: Schema.Int,
	forwardPasses: Schema.Int,
	tokens: Schema.Int,
});

/** The OpenAI-compatible API, as Effect `HttpApi` endpoints. */
export class OpenAiApi extends HttpApi.make("stepwise-openai")
	.add(
		HttpApiGroup.make("openai", { topLevel: true })
			.add(
				HttpApiEndpoint.get("models", "/v1/models", { success: ModelList, error: ErrorBody }),
				HttpApiEndpoint.post("chat", "/v1/chat/completions", {
					payload: ChatCompletionRequest,
					success: ChatCompletion,
					error: ErrorBody,
				}),
				HttpApiEndpoint.post("completions", "/v1/completions", {
					payload: CompletionRequest,
					success: Completion,
					error: ErrorBody,
				}),
				HttpApiEndpoint.get("stats", "/stats", { success: EngineStatsBody }),
			)
			.annotateMerge(OpenApi.annotations({ title: "OpenAI-compatible completions" })),
	)
	.annotateMerge(OpenApi.annotations({ title: "stepwise serve" })) {}

/** Options of {@link serveLayer}. */
export interface ServeOptions extends EngineOptions {
	readonly policy: Policy;
	/** The model's id in `/v1/models` and the `model` field requests must name. */
	readonly modelName: string;
	readonly host: string;
	/** 0 picks a free port. */
	readonly port: number;
	/** Bearer token clients must send; required when `host` is not loopback. */
	readonly apiKey?: string | undefined;
	/** `max_tokens` when a request gives none (capped by the context). */
	readonly defaultMaxTokens: number;
}

/** Request bodies larger than this are refused before they are read. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

const errorResponse = (e: ApiError) => HttpServerResponse.jsonUnsafe(e.body, { status: e.status });

/** Decode a JSON body with a schema, or an {@link ApiError} naming the field. */
const readBody = <S extends Schema.Top & { readonly DecodingServices: never }>(request: HttpServerRequest, schema: S) =>
	Effect.gen(function* () {
		const length = Number(request.headers["content-length"] ?? 0);
		if (length > MAX_BODY_BYTES)
			return yield* Effect.fail(
				new ApiError(413, `the request body has ${length} bytes; the most this server reads is ${MAX_BODY_BYTES}`),
			);
		const text = yield* Effect.mapError(request.text, () => new ApiError(400, "could not read the request body"));
		let json: unknown;
		try {
			json = JSON.parse(text);
		} catch (e) {
			return yield* Effect.fail(
				new ApiError(400, `We could not parse the JSON body of your request: ${(e as Error).message}`),
			);
		}
		const exit = Schema.decodeUnknownExit(schema)(json);
		if (Exit.isSuccess(exit)) return exit.value as S["Type"];
		const err = exit.cause.reasons.find((r) => r._tag === "Fail")?.error as Schema.SchemaError | undefined;
		const line = err?.message.split("\n").join(" ") ?? "invalid request body";
		const path = /at \["?([^"\]]+)/.exec(err?.message ?? "")?.[1] ?? null;
		return yield* Effect.fail(new ApiError(400, `Invalid request: ${line}`, undefined, path));
	});

/** An endpoint body: refusals become OpenAI error responses, defects a 500 in the same shape. */
const guarded = (
	options: ServeOptions,
	request: HttpServerRequest,
	body: Effect.Effect<HttpServerResponse.HttpServerResponse, ApiError>,
) =>
	(isAuthorized(request.headers, options.apiKey)
		? body
		: Effect.fail(new ApiError(401, "Incorrect API key provided.", undefined, null, "invalid_api_key"))
	).pipe(
		Effect.catch((e) => Effect.succeed(errorResponse(e))),
		Effect.catchDefect((d) =>
			Effect.succeed(errorResponse(new ApiError(500, `internal error: ${String(d)}`, "server_error"))),
		),
	);

const checkModel = (options: ServeOptions, model: string) =>
	model === options.modelName
		? Effect.void
		: Effect.fail(
				new ApiError(
					404,
					`The model \`${model}\` does not exist (this server serves \`${options.modelName}\`).`,
					"invalid_request_error",
					"model",
					"model_not_found",
				),
			);

const sse = (events: Stream.Stream<string>) =>
	HttpServerResponse.stream(Stream.encodeText(events), {
		contentType: "text/event-stream",
		headers: { "cache-control": "no-cache" },
	});

/**
 * A streamed answer whose chunks go out as the batch produces the tokens. Used when no stop string
 * and no alternatives are asked for (those need the whole answer first: a stop string may span
 * tokens, alternatives come from a pass over the finished batch). A client that goes away stops
 * its stream; its rows finish with their batch.
 */
const liveEvents = (engine: Engine, rows: ReadonlyArray<Row>, events: SseEvents, promptTokens: number) =>
	Stream.callback<string>((queue) =>
		Effect.sync(() => {
			const send = (chunks: ReadonlyArray<string>) => {
				for (const c of chunks) Queue.offerUnsafe(queue, c);
			};
			const decoders = rows.map(() => new PieceDecoder(engine.policy));
			rows.forEach((_, i) => {
				send(events.start(i));
			});
			const streaming = rows.map(
				(row, i): Row => ({
					...row,
					onToken: (token, logProb) =>
						send([events.token(i, (decoders[i] as PieceDecoder).push(token), token, logProb)]),
				}),
			);
			engine.submit(streaming).then(
				(results) => {
					results.forEach((r, i) => {
						const rest = (decoders[i] as PieceDecoder).flush();
						if (rest !== "") send([events.text(i, rest)]);
						send([events.finish(i, r.stopped ? "stop" : "length")]);
					});
					const completion = results.reduce((n, r) => n + r.tokens.length, 0);
					send(
						events.end({
							prompt_tokens: promptTokens,
							completion_tokens: completion,
							total_tokens: promptTokens + completion,
						}),
					);
					Queue.endUnsafe(queue);
				},
				(e: unknown) => {
					send([
						`data: ${JSON.stringify(new ApiError(500, `generation failed: ${String(e)}`, "server_error").body)}\n\n`,
					]);
					Queue.endUnsafe(queue);
				},
			);
		}),
	);

/** A request's answer as server-sent events: live when possible, else once generated. */
const streamed = (
	engine: Engine,
	events: SseEvents,
	promptIds: ReadonlyArray<number>,
	rows: ReadonlyArray<Row>,
	stop: ReadonlyArray<string>,
) =>
	stop.length === 0 && rows.every((r) => r.topLogprobs === 0)
		? Effect.succeed(sse(liveEvents(engine, rows, events, promptIds.length)))
		: Effect.map(generateChoices(engine, rows, stop), (choices) =>
				sse(Stream.fromIterable(streamEvents(events, promptIds, choices))),
			);

/** Generate, turning an engine failure into a 500. */
const generateChoices = (engine: Engine, rows: Parameters<typeof runChoices>[1], stop: ReadonlyArray<string>) =>
	Effect.tryPromise({
		try: () => runChoices(engine, rows, stop),
		catch: (e) => new ApiError(500, `generation failed: ${e instanceof Error ? e.message : String(e)}`, "server_error"),
	});

/** Prompt encoding can refuse (token ids outside the vocabulary). */
const attempt = <A>(f: () => A) =>
	Effect.try({ try: f, catch: (e) => (e instanceof ApiError ? e : new ApiError(400, String(e))) });

/** The handlers of {@link OpenAiApi} over one engine. */
export const openAiHandlers = (engine: Engine, options: ServeOptions) => {
	/** A generation request's answer: streamed, or the whole body that `whole` builds. */
	const answer = (
		kind: "chat" | "text",
		promptIds: ReadonlyArray<number>,
		r: ChatCompletionRequest | CompletionRequest,
		topLogprobs: number,
		whole: (id: string, choices: Choice[]) => ChatCompletion | Completion,
	) =>
		Effect.gen(function* () {
			const { rows, sampling } = yield* attempt(() =>
				requestRows(options.policy, promptIds, r, { maxTokens: options.defaultMaxTokens }, topLogprobs),
			);
			const id = requestId(kind === "chat" ? "chatcmpl" : "cmpl");
			if (r.stream)
				return yield* streamed(
					engine,
					new SseEvents(options.policy, kind, options.modelName, id, r),
					promptIds,
					rows,
					sampling.stop,
				);
			const choices = yield* generateChoices(engine, rows, sampling.stop);
			return HttpServerResponse.jsonUnsafe(whole(id, choices));
		});
	return HttpApiBuilder.group(OpenAiApi, "openai", (handlers) =>
		Effect.succeed(
			handlers
				.handleRaw("models", ({ request }) =>
					guarded(
						options,
						request,
						Effect.succeed(
							HttpServerResponse.jsonUnsafe({
								object: "list",
								data: [
									{
										id: options.modelName,
										object: "model",
										created: Math.floor(Date.now() / 1000),
										owned_by: "stepwise",
										max_model_len: options.policy.model.config.contextLength,
									},
								],
							} satisfies ModelList),
						),
					),
				)
				.handleRaw("chat", ({ request }) =>
					guarded(
						options,
						request,
						Effect.gen(function* () {
							const r = yield* readBody(request, ChatCompletionRequest);
							yield* checkModel(options, r.model);
							const promptIds = truncatePrompt(chatPromptIds(options.policy, r.messages), r.truncate_prompt_tokens);
							const top = r.logprobs ? (r.top_logprobs ?? 0) : 0;
							return yield* answer("chat", promptIds, r, top, (id, choices) =>
								chatCompletion(options.policy, options.modelName, id, promptIds, choices, r),
							);
						}),
					),
				)
				.handleRaw("completions", ({ request }) =>
					guarded(
						options,
						request,
						Effect.gen(function* () {
							const r = yield* readBody(request, CompletionRequest);
							yield* checkModel(options, r.model);
							const promptIds = truncatePrompt(
								yield* attempt(() => completionPromptIds(options.policy, r.prompt)),
								r.truncate_prompt_tokens,
							);
							const promptText = typeof r.prompt === "string" ? r.prompt : options.policy.codec.decodeText(r.prompt);
							return yield* answer("text", promptIds, r, r.logprobs ?? 0, (id, choices) =>
								completion(options.policy, options.modelName, id, promptIds, choices, r, promptText),
							);
						}),
					),
				)
				.handleRaw("stats", ({ request }) =>
					guarded(options, request, Effect.succeed(HttpServerResponse.jsonUnsafe({ ...engine.stats }))),
				),
		),
	);
};

/**
 * The server as a Layer: the API on `host:port` (refused when bound beyond loopback without an
 * API key). Launch it with `Layer.launch`, or build it in a scope (tests) and read the
 * `HttpServer`'s address.
 */
export const serveLayer = (options: ServeOptions, engine = new Engine(options.policy, options)) =>
	Layer.unwrap(
		Effect.map(checkBinding(options.host, options.apiKey), () =>
			HttpRouter.serve(
				HttpApiBuilder.layer(OpenAiApi, { openapiPath: "/openapi.json" }).pipe(
					Layer.provide(openAiHandlers(engine, options)),
				),
				{ disableLogger: true, disableListenLog: true },
			).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { port: options.port, host: options.host }))),
		),
	);
