/**
 * `stepwise env-server`: the registered environments over HTTP for trainers in other languages
 * (verl-agent, TRL's `environment_factory`, AgentGym-style clients). A client opens a session on a
 * spec, resets it to a task, steps it with action text and closes it; it can ask for the admissible
 * actions, the canonical state key and the expert's next action. Sessions live in memory, many at
 * once; one unused for `idleSeconds` is closed. Every body has a Schema, so `GET /openapi.json`
 * documents the whole API.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { NodeHttpServer } from "@effect/platform-node";
import { EnvRegistry, type ManagedEnv } from "@stepwise/core";
import { Duration, Effect, Layer, Schedule, Schema } from "effect";
import { HttpRouter } from "effect/http";
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, OpenApi } from "effect/http-api";
import { checkBinding, isAuthorized } from "../serve/auth.ts";

/** No such session (never opened, closed, or expired). */
export class SessionNotFound extends Schema.TaggedError<SessionNotFound>()(
	"SessionNotFound",
	{ message: Schema.String },
	{ httpApiStatus: 404 },
) {}

/** The request cannot be served in the session's state or with these values. */
export class EnvRequestError extends Schema.TaggedError<EnvRequestError>()(
	"EnvRequestError",
	{ message: Schema.String },
	{ httpApiStatus: 400 },
) {}

/** Too many open sessions. */
export class TooManySessions extends Schema.TaggedError<TooManySessions>()(
	"TooManySessions",
	{ message: Schema.String },
	{ httpApiStatus: 429 },
) {}

/** Missing or wrong API key. */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
	"Unauthorized",
	{ message: Schema.String },
	{ httpApiStatus: 401 },
) {}

/** Turns a request that does not decode (malformed JSON, a missing or mistyped field) into an {@link EnvRequestError}. */
export class RequestDecoding extends HttpApiMiddleware.Service<RequestDecoding>()(
	"stepwise/env-server/RequestDecoding",
	{
		error: EnvRequestError,
	},
) {}

const RequestDecodingLive = HttpApiMiddleware.layerSchemaErrorTransform(RequestDecoding, (e) =>
	e.kind === "Body" || e.kind === "ResponseHeaders"
		? Effect.fail(e)
		: Effect.fail(
				new EnvRequestError({
					message: `bad request ${e.kind.toLowerCase()}: ${e.cause.message.split("\n").join(" ")}`,
				}),
			),
);

const SpecInfo = Schema.Struct({
	id: Schema.String,
	description: Schema.String,
	maxSteps: Schema.Int,
	promptStyle: Schema.String,
	splits: Schema.Array(Schema.String),
});

const Task = Schema.Struct({ id: Schema.String, type: Schema.optionalKey(Schema.String), instruction: Schema.String });
const Admissible = Schema.NullOr(Schema.Array(Schema.String));

const CreateSession = Schema.Struct({
	spec: Schema.String,
	/** Plugin options (e.g. Sokoban `boxes`). */
	options: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
});
const Session = Schema.Struct({ session: Schema.String, spec: SpecInfo });

const ResetBody = Schema.Struct({
	seed: Schema.optionalKey(Schema.Int),
	/** Default the spec's first split. */
	split: Schema.optionalKey(Schema.String),
	index: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
});
const Reset = Schema.Struct({
	observation: Schema.String,
	task: Task,
	admissibleActions: Admissible,
	stateKey: Schema.String,
});

const StepBody = Schema.Struct({ action: Schema.String });
const Step = Schema.Struct({
	observation: Schema.String,
	reward: Schema.Finite,
	terminated: Schema.Boolean,
	truncated: Schema.Boolean,
	/** The episode is over (terminated, truncated, or the framework's step limit). */
	done: Schema.Boolean,
	won: Schema.Boolean,
	valid: Schema.Boolean,
	score: Schema.Finite,
	admissibleActions: Admissible,
	stateKey: Schema.String,
});

const params = { id: Schema.String };
const sessionErrors = [SessionNotFound, EnvRequestError, Unauthorized];

/** The env-server API. */
export class EnvServerApi extends HttpApi.make("stepwise-env-server")
	.add(
		HttpApiGroup.make("envs", { topLevel: true })
			.add(
				HttpApiEndpoint.get("specs", "/v1/envs", { success: Schema.Array(SpecInfo), error: Unauthorized }),
				HttpApiEndpoint.post("create", "/v1/sessions", {
					payload: CreateSession,
					success: Session,
					error: [EnvRequestError, TooManySessions, Unauthorized],
				}),
				HttpApiEndpoint.post("reset", "/v1/sessions/:id/reset", {
					params,
					payload: ResetBody,
					success: Reset,
					error: sessionErrors,
				}),
				HttpApiEndpoint.post("step", "/v1/sessions/:id/step", {
					params,
					payload: StepBody,
					success: Step,
					error: sessionErrors,
				}),
				HttpApiEndpoint.get("admissible", "/v1/sessions/:id/admissible", {
					params,
					success: Schema.Struct({ actions: Admissible }),
					error: sessionErrors,
				}),
				HttpApiEndpoint.get("stateKey", "/v1/sessions/:id/state-key", {
					params,
					success: Schema.Struct({ stateKey: Schema.String }),
					error: sessionErrors,
				}),
				HttpApiEndpoint.get("expert", "/v1/sessions/:id/expert", {
					params,
					success: Schema.Struct({ action: Schema.NullOr(Schema.String) }),
					error: sessionErrors,
				}),
				HttpApiEndpoint.delete("close", "/v1/sessions/:id", {
					params,
					success: Schema.Struct({ closed: Schema.Boolean }),
					error: [SessionNotFound, Unauthorized],
				}),
			)
			.middleware(RequestDecoding),
	)
	.annotateMerge(
		OpenApi.annotations({
			title: "stepwise env-server",
			description: "Stepwise's registered text environments over HTTP: sessions of reset/step with action text",
		}),
	) {}

/** Options of the env-server. */
export interface EnvServerOptions {
	readonly host: string;
	readonly port: number;
	readonly apiKey?: string | undefined;
	/** A session unused this long is closed (default 600). */
	readonly idleSeconds?: number;
	/** Most open sessions (default 1024). */
	readonly maxSessions?: number;
}

interface SessionState {
	readonly env: ManagedEnv;
	lastUsed: number;
	started: boolean;
}

/** The open sessions, expiring idle ones whenever the table is touched (and on a timer). */
class Sessions {
	private readonly table = new Map<string, SessionState>();
	constructor(private readonly options: EnvServerOptions) {}

	get size(): number {
		this.expire();
		return this.table.size;
	}

	/** Close the sessions unused for `idleSeconds`. */
	expire(): void {
		const limit = Date.now() - (this.options.idleSeconds ?? 600) * 1000;
		for (const [id, s] of this.table) if (s.lastUsed < limit) this.table.delete(id);
	}

	open(env: ManagedEnv): string | TooManySessions {
		const max = this.options.maxSessions ?? 1024;
		if (this.size >= max)
			return new TooManySessions({ message: `${max} sessions are open: close some (DELETE /v1/sessions/ID)` });
		const id = randomUUID();
		this.table.set(id, { env, lastUsed: Date.now(), started: false });
		return id;
	}

	get(id: string): Effect.Effect<SessionState, SessionNotFound> {
		this.expire();
		const s = this.table.get(id);
		if (s === undefined)
			return Effect.fail(new SessionNotFound({ message: `no session ${id} (closed, expired or never opened)` }));
		s.lastUsed = Date.now();
		return Effect.succeed(s);
	}

	close(id: string): boolean {
		return this.table.delete(id);
	}
}

const specInfo = (s: ManagedEnv["spec"]) => ({
	id: s.id,
	description: s.description,
	maxSteps: s.maxSteps,
	promptStyle: s.promptStyle,
	splits: [...s.splits],
});

const started = (s: SessionState) =>
	s.started
		? Effect.succeed(s)
		: Effect.fail(new EnvRequestError({ message: "reset the session before this request" }));

/** The handlers of {@link EnvServerApi} over the env registry. */
export const envServerHandlers = (options: EnvServerOptions) =>
	HttpApiBuilder.group(EnvServerApi, "envs", (handlers) =>
		Effect.gen(function* () {
			const registry = yield* EnvRegistry;
			const sessions = new Sessions(options);
			// idle sessions are also closed when nobody calls (every tenth of the idle time, at least once a minute)
			yield* Effect.forkScoped(
				Effect.repeat(
					Effect.sync(() => sessions.expire()),
					Schedule.spaced(Duration.seconds(Math.min(60, (options.idleSeconds ?? 600) / 10))),
				),
			);
			const authed =
				<I extends { readonly request: { readonly headers: Readonly<Record<string, string | undefined>> } }, A, E>(
					f: (input: I) => Effect.Effect<A, E>,
				) =>
				(input: I): Effect.Effect<A, E | Unauthorized> =>
					isAuthorized(input.request.headers, options.apiKey)
						? f(input)
						: Effect.fail(new Unauthorized({ message: "missing or wrong API key (Authorization: Bearer KEY)" }));
			return handlers
				.handle(
					"specs",
					authed(() => Effect.succeed(registry.specs().map((r) => specInfo(r.spec)))),
				)
				.handle(
					"create",
					authed(({ payload }) =>
						Effect.gen(function* () {
							const env = yield* registry
								.make(payload.spec, payload.options)
								.pipe(Effect.mapError((e) => new EnvRequestError({ message: e.message })));
							const id = sessions.open(env);
							if (id instanceof TooManySessions) return yield* id;
							return { session: id, spec: specInfo(env.spec) };
						}),
					),
				)
				.handle(
					"reset",
					authed(({ params, payload }) =>
						Effect.flatMap(sessions.get(params.id), (s) => {
							const split = payload.split ?? (s.env.spec.splits[0] as string);
							if (!s.env.spec.splits.includes(split))
								return Effect.fail(
									new EnvRequestError({
										message: `${s.env.spec.id} has no split "${split}" (splits: ${s.env.spec.splits.join(", ")})`,
									}),
								);
							return Effect.try({
								try: () => {
									const r = s.env.reset({ seed: payload.seed ?? 0, split, index: payload.index ?? 0 });
									s.started = true;
									return {
										observation: r.observation,
										task: r.task,
										admissibleActions: s.env.admissibleActions() ?? null,
										stateKey: s.env.stateKey(),
									};
								},
								catch: (e) => new EnvRequestError({ message: `reset failed: ${String(e)}` }),
							});
						}),
					),
				)
				.handle(
					"step",
					authed(({ params, payload }) =>
						Effect.flatMap(Effect.flatMap(sessions.get(params.id), started), (s) =>
							s.env.done
								? Effect.fail(new EnvRequestError({ message: "the episode is over: reset the session" }))
								: Effect.try({
										try: () => {
											const r = s.env.step(payload.action);
											return {
												observation: r.observation,
												reward: r.reward,
												terminated: r.terminated,
												truncated: r.truncated,
												done: s.env.done,
												won: r.info.won,
												valid: r.info.valid,
												score: r.info.score,
												admissibleActions: s.env.admissibleActions() ?? null,
												stateKey: s.env.stateKey(),
											};
										},
										catch: (e) => new EnvRequestError({ message: `step failed: ${String(e)}` }),
									}),
						),
					),
				)
				.handle(
					"admissible",
					authed(({ params }) =>
						Effect.map(Effect.flatMap(sessions.get(params.id), started), (s) => ({
							actions: s.env.admissibleActions() ?? null,
						})),
					),
				)
				.handle(
					"stateKey",
					authed(({ params }) =>
						Effect.map(Effect.flatMap(sessions.get(params.id), started), (s) => ({ stateKey: s.env.stateKey() })),
					),
				)
				.handle(
					"expert",
					authed(({ params }) =>
						Effect.map(Effect.flatMap(sessions.get(params.id), started), (s) => ({
							action: s.env.done ? null : (s.env.expertAction() ?? null),
						})),
					),
				)
				.handle(
					"close",
					authed(({ params }) =>
						sessions.close(params.id)
							? Effect.succeed({ closed: true })
							: Effect.fail(new SessionNotFound({ message: `no session ${params.id}` })),
					),
				);
		}),
	);

/** The env-server as a Layer (needs the {@link EnvRegistry}); refuses a non-loopback host without a key. */
export const envServerLayer = (options: EnvServerOptions) =>
	Layer.unwrap(
		Effect.map(checkBinding(options.host, options.apiKey), () =>
			HttpRouter.serve(
				HttpApiBuilder.layer(EnvServerApi, { openapiPath: "/openapi.json" }).pipe(
					Layer.provide(envServerHandlers(options)),
					Layer.provide(RequestDecodingLive),
				),
				{ disableLogger: true, disableListenLog: true },
			).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { port: options.port, host: options.host }))),
		),
	);
