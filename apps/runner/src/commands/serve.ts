import { Effect, Option, Schema } from "effect";
import { Command, Flag } from "effect/cli";

/** `--prompt` and `--chat` both or neither given. */
export class GenerateInputError extends Schema.TaggedError<GenerateInputError>()("GenerateInputError", {
	message: Schema.String,
}) {}

const backendFlag = Flag.String("backend").pipe(
	Flag.withDescription("compute backend: auto, wasm, cpu, tensorflow, tensorflow-gpu (or STEPWISE_BACKEND)"),
	Flag.optional,
);

/** What the handlers run, loaded when one runs: `--help` and the other commands never load TensorFlow.js. */
const serving = Effect.promise(() => import("./serving.ts"));

/** `stepwise generate`: one completion of a checkpoint, as `stepwise serve` would answer it. */
export const generateCommand = Command.make(
	"generate",
	{
		policy: Flag.String("policy").pipe(Flag.withDescription("policy checkpoint directory")),
		prompt: Flag.String("prompt").pipe(Flag.withDescription("a plain prompt (<bos> and its tokens)"), Flag.optional),
		chat: Flag.String("chat").pipe(
			Flag.withDescription("a user message, in the chat template (the answer is the assistant's)"),
			Flag.optional,
		),
		maxNewTokens: Flag.Int("max-new-tokens").pipe(Flag.withDescription("most new tokens"), Flag.withDefault(32)),
		temperature: Flag.Finite("temperature").pipe(
			Flag.withDescription("sampling temperature; 0 (the default) decodes greedily"),
			Flag.withDefault(0),
		),
		topP: Flag.Finite("top-p").pipe(Flag.withDescription("nucleus sampling mass"), Flag.withDefault(1)),
		seed: Flag.Int("seed").pipe(Flag.withDescription("sampling seed"), Flag.withDefault(0)),
		json: Flag.Boolean("json").pipe(
			Flag.withDescription('print {"promptIds","ids","logprobs","text"} instead of the text'),
			Flag.withDefault(false),
		),
		backend: backendFlag,
	},
	Effect.fn("stepwise.generate")(function* (flags) {
		if (Option.isSome(flags.prompt) === Option.isSome(flags.chat))
			return yield* new GenerateInputError({ message: "stepwise generate needs exactly one of --prompt and --chat" });
		if (flags.maxNewTokens < 1 || flags.temperature < 0 || flags.topP <= 0 || flags.topP > 1)
			return yield* new GenerateInputError({
				message: "--max-new-tokens must be ≥ 1, --temperature ≥ 0 and --top-p in (0, 1]",
			});
		return yield* (yield* serving).generate(flags);
	}),
).pipe(
	Command.withDescription("Generate one answer of a policy checkpoint (greedy unless --temperature > 0)"),
	Command.withExamples([
		{ command: 'stepwise generate --policy RUN/sft --chat "Observation: …" --max-new-tokens 16', description: "" },
		{ command: 'stepwise generate --policy RUN/sft --prompt "up" --json', description: "ids and log-probs" },
	]),
);

/** The key of a server: the flag, else `STEPWISE_API_KEY`. */
export const apiKeyOf = (flag: Option.Option<string>): string | undefined => {
	const key = Option.getOrUndefined(flag) ?? process.env.STEPWISE_API_KEY;
	return key === "" ? undefined : key;
};

/** `--host`, `--port` and `--api-key`, shared by the servers. */
export const listenFlags = (port: number) => ({
	host: Flag.String("host").pipe(
		Flag.withDescription("address to listen on (loopback by default; others need an API key)"),
		Flag.withDefault("127.0.0.1"),
	),
	port: Flag.Int("port").pipe(Flag.withDescription("port (0: any free port)"), Flag.withDefault(port)),
	apiKey: Flag.String("api-key").pipe(
		Flag.withDescription("bearer token clients must send (or STEPWISE_API_KEY); required off loopback"),
		Flag.optional,
	),
});

/** `stepwise serve`: the OpenAI-compatible API over a checkpoint. */
export const serveCommand = Command.make(
	"serve",
	{
		policy: Flag.String("policy").pipe(Flag.withDescription("policy checkpoint directory")),
		...listenFlags(8000),
		modelName: Flag.String("model-name").pipe(
			Flag.withDescription("the model id clients name (default the checkpoint directory's name)"),
			Flag.optional,
		),
		maxTokens: Flag.Int("max-tokens").pipe(
			Flag.withDescription("max_tokens of requests that give none"),
			Flag.withDefault(32),
		),
		maxBatch: Flag.Int("max-batch").pipe(Flag.withDescription("most rows in one batch"), Flag.withDefault(64)),
		windowMs: Flag.Int("window-ms").pipe(
			Flag.withDescription("how long a request waits for others to share its batch"),
			Flag.withDefault(5),
		),
		backend: backendFlag,
	},
	Effect.fn("stepwise.serve")(function* (flags) {
		return yield* (yield* serving).serve({ ...flags, apiKey: apiKeyOf(flags.apiKey) });
	}),
).pipe(
	Command.withDescription(
		"Serve a policy over an OpenAI-compatible HTTP API (/v1/models, /v1/chat/completions, /v1/completions)",
	),
	Command.withExamples([
		{ command: "stepwise serve --policy RUN/sft --port 8000", description: "on 127.0.0.1:8000" },
		{ command: "stepwise serve --policy RUN/sft --host 0.0.0.0 --api-key SECRET", description: "on the network" },
	]),
);

/** `stepwise env-server`: the registered environments over HTTP. */
export const envServerCommand = Command.make(
	"env-server",
	{
		...listenFlags(8001),
		idleSeconds: Flag.Int("idle-seconds").pipe(
			Flag.withDescription("close a session unused this long"),
			Flag.withDefault(600),
		),
		maxSessions: Flag.Int("max-sessions").pipe(Flag.withDescription("most open sessions"), Flag.withDefault(1024)),
	},
	Effect.fn("stepwise.env-server")(function* (flags) {
		return yield* (yield* serving).envServer({ ...flags, apiKey: apiKeyOf(flags.apiKey) });
	}),
).pipe(
	Command.withDescription(
		"Serve the registered environments over HTTP (sessions: create, reset, step, admissible actions, state key, expert, close)",
	),
	Command.withExamples([
		{ command: "stepwise env-server --port 8001", description: "on 127.0.0.1:8001" },
		{ command: "python3 examples/env_client.py --url http://127.0.0.1:8001", description: "the Python client" },
	]),
);
