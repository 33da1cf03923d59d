/**
 * The bodies of `stepwise generate`, `serve` and `env-server`, which load a checkpoint (and
 * TensorFlow.js) or start a server: `commands/serve.ts` imports this module when a handler runs.
 */
import { basename, resolve } from "node:path";
import { formatBackendSelection, selectBackend } from "@stepwise/core/ml";
import type { Policy, PromptCodec } from "@stepwise/core/policy/index";
import { Console, Effect, Layer, Option } from "effect";
import { HttpServer } from "effect/http";
import { envServerLayer } from "../env-server/server.ts";
import { choiceRng, toChoice } from "../serve/completions.ts";
import { Engine } from "../serve/engine.ts";
import { serveLayer } from "../serve/server.ts";
import { loadModelPolicy } from "../stages/policy-load.ts";
import { GenerateInputError } from "./serve.ts";

/**
 * Select the backend (printed to stderr, so stdout stays the command's output) and load the policy:
 * a checkpoint, or a Hugging Face model directory (`hf:DIR`) with its own tokenizer and chat template.
 */
const loadPolicy = (dir: string, backend: Option.Option<string>) =>
	Effect.gen(function* () {
		const fromEnv = process.env.STEPWISE_BACKEND;
		const selection = yield* selectBackend(
			fromEnv !== undefined && fromEnv !== "" ? undefined : Option.getOrUndefined(backend),
		);
		yield* Console.error(formatBackendSelection(selection));
		const loaded = yield* loadModelPolicy(dir);
		return loaded.policy satisfies Policy;
	});

/** Run a server Layer until interrupted, printing where it listens. */
const launch = <E, R>(layer: Layer.Layer<HttpServer.HttpServer, E, R>, banner: (url: string) => string) =>
	Layer.launch(
		Layer.effectDiscard(HttpServer.addressFormattedWith((url) => Console.log(banner(url)))).pipe(Layer.provide(layer)),
	);

/** `stepwise generate`'s flags (checked by its handler). */
export interface GenerateFlags {
	readonly policy: string;
	readonly prompt: Option.Option<string>;
	readonly chat: Option.Option<string>;
	readonly maxNewTokens: number;
	readonly temperature: number;
	readonly topP: number;
	readonly seed: number;
	readonly json: boolean;
	readonly backend: Option.Option<string>;
}

/**
 * The prompt ids of `stepwise generate`: `--chat` is one user message in the codec's chat format
 * (ours: `<bos><user>…<assistant><act>`; a Hugging Face model's: its chat template with the
 * generation prompt), `--prompt` the plain text after the begin token.
 */
export const generatePromptIds = (codec: PromptCodec, flags: Pick<GenerateFlags, "prompt" | "chat">): number[] =>
	Option.isSome(flags.chat)
		? codec.promptIds({ style: "chat", messages: [{ role: "user", content: flags.chat.value }] })
		: codec.textIds(Option.getOrElse(flags.prompt, () => ""));

/** One completion of a checkpoint, as `stepwise serve` would answer it, printed. */
export const generate = (flags: GenerateFlags) =>
	Effect.gen(function* () {
		const policy = yield* loadPolicy(flags.policy, flags.backend);
		// The prompt goes through the policy's codec (tokenizer + prompt format): a Hugging Face
		// policy brings `hfPromptCodec` (its chat template) in place of ours.
		const promptIds = yield* Effect.try({
			try: () => generatePromptIds(policy.codec, flags),
			catch: (e) => new GenerateInputError({ message: e instanceof Error ? e.message : String(e) }),
		});
		const engine = new Engine(policy, { windowMs: 0 });
		const [result] = yield* Effect.promise(() =>
			engine.submit([
				{
					promptIds,
					maxNewTokens: flags.maxNewTokens,
					greedy: flags.temperature === 0,
					temperature: flags.temperature === 0 ? 1 : flags.temperature,
					topP: flags.topP,
					rng: choiceRng(flags.seed, 0),
					topLogprobs: 0,
				},
			]),
		);
		const choice = toChoice(policy, result as NonNullable<typeof result>, []);
		if (flags.json)
			yield* Console.log(
				JSON.stringify({ promptIds, ids: choice.tokens, logprobs: choice.logProbs, text: choice.text }),
			);
		else yield* Console.log(choice.text);
	});

/** Where and how a server listens (`--api-key` or `STEPWISE_API_KEY` already resolved). */
interface ListenFlags {
	readonly host: string;
	readonly port: number;
	readonly apiKey: string | undefined;
}

/** The OpenAI-compatible API over a checkpoint, until interrupted. */
export const serve = (
	flags: ListenFlags & {
		readonly policy: string;
		readonly modelName: Option.Option<string>;
		readonly maxTokens: number;
		readonly maxBatch: number;
		readonly windowMs: number;
		readonly backend: Option.Option<string>;
	},
) =>
	Effect.gen(function* () {
		const policy = yield* loadPolicy(flags.policy, flags.backend);
		const modelName = Option.getOrElse(flags.modelName, () => basename(resolve(flags.policy)));
		const layer = serveLayer({
			policy,
			modelName,
			host: flags.host,
			port: flags.port,
			apiKey: flags.apiKey,
			defaultMaxTokens: flags.maxTokens,
			maxBatch: flags.maxBatch,
			windowMs: flags.windowMs,
		});
		yield* launch(
			layer,
			(url) => `serving ${modelName} at ${url}/v1 (OpenAI-compatible; OpenAPI at ${url}/openapi.json)`,
		);
	});

/** The registered environments over HTTP, until interrupted. */
export const envServer = (flags: ListenFlags & { readonly idleSeconds: number; readonly maxSessions: number }) =>
	Effect.gen(function* () {
		const layer = envServerLayer({
			host: flags.host,
			port: flags.port,
			apiKey: flags.apiKey,
			idleSeconds: flags.idleSeconds,
			maxSessions: flags.maxSessions,
		});
		yield* launch(
			layer,
			(url) => `environments at ${url}/v1 (sessions: POST ${url}/v1/sessions; OpenAPI at ${url}/openapi.json)`,
		);
	});
