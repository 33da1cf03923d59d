import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EnvRegistry, readTrajectories } from "@stepwise/core";
import { collectRollouts, loadCheckpoint, makeEnvs, type Policy } from "@stepwise/core/policy/index";
import { Effect } from "effect";
import OpenAI from "openai";
import { creditFile } from "../src/credit/compute.ts";
import { runCli } from "../src/main.ts";
import { EnvironmentsLive } from "../src/plugins.ts";
import { collectRemote, parseOpenAiPolicy } from "../src/remote/openai-policy.ts";
import { checkBinding } from "../src/serve/auth.ts";
import { Engine } from "../src/serve/engine.ts";
import { serveLayer } from "../src/serve/server.ts";
import { type EvalReport, readEvalReport } from "../src/stages/evaluate.ts";
import { captureLog, startServer, tinyCheckpoint } from "./servers.ts";

const MODEL = "tiny";
let ckpt: string;
let policy: Policy;
let engine: Engine;
let server: Awaited<ReturnType<typeof startServer>>;
let client: OpenAI;

beforeAll(async () => {
	ckpt = await tinyCheckpoint();
	const loaded = await Effect.runPromise(loadCheckpoint(ckpt));
	policy = { model: loaded.model, codec: loaded.codec };
	engine = new Engine(policy, { windowMs: 5 });
	server = await startServer(
		serveLayer({ policy, modelName: MODEL, host: "127.0.0.1", port: 0, defaultMaxTokens: 8 }, engine),
	);
	client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => server.stop());

/** `stepwise generate … --json` as the CLI prints it. */
const cliGenerate = async (args: string[]) => {
	const lines = await captureLog(() =>
		Effect.runPromise(runCli(["generate", "--policy", ckpt, "--backend", "wasm", "--json", ...args])),
	);
	return JSON.parse(lines.at(-1) ?? "") as { promptIds: number[]; ids: number[]; logprobs: number[]; text: string };
};

/** vLLM's fields (token ids), which the official client passes through. */
const withIds = { return_token_ids: true, return_tokens_as_token_ids: true } as Record<string, unknown>;
const idsOf = (entries: ReadonlyArray<{ token: string }>) => entries.map((e) => Number(e.token.split(":")[1]));
const question = "You are in a room. Where is the box?";
const chatMessages = [{ role: "user" as const, content: question }];

describe("stepwise serve (the official openai client)", () => {
	test("GET /v1/models lists the served model", async () => {
		const models = await client.models.list();
		expect(models.data.map((m) => m.id)).toEqual([MODEL]);
	});

	test("greedy chat completions equal `stepwise generate --chat`, token for token, with log-probs", async () => {
		const cli = await cliGenerate(["--chat", question, "--max-new-tokens", "6"]);
		const r = await client.chat.completions.create({
			model: MODEL,
			messages: chatMessages,
			max_tokens: 6,
			temperature: 0,
			logprobs: true,
			top_logprobs: 3,
			...withIds,
		});
		const choice = r.choices[0];
		const content = choice?.logprobs?.content ?? [];
		expect(idsOf(content)).toEqual(cli.ids);
		expect(choice?.message.content).toBe(cli.text);
		expect((r as unknown as { prompt_token_ids: number[] }).prompt_token_ids).toEqual(cli.promptIds);
		content.forEach((e, i) => {
			expect(e.logprob).toBeCloseTo(cli.logprobs[i] as number, 5);
			expect(e.top_logprobs).toHaveLength(3);
			// greedy: the chosen token is the most likely one
			expect(e.top_logprobs[0]?.token).toBe(e.token);
		});
		expect(r.usage?.completion_tokens).toBe(cli.ids.length);
	});

	test("streamed chat deltas add up to the same answer, log-probs per token", async () => {
		const plain = await client.chat.completions.create({
			model: MODEL,
			messages: chatMessages,
			max_tokens: 6,
			temperature: 0,
		});
		const stream = await client.chat.completions.create({
			model: MODEL,
			messages: chatMessages,
			max_tokens: 6,
			temperature: 0,
			logprobs: true,
			stream: true,
			stream_options: { include_usage: true },
		});
		let text = "";
		let tokens = 0;
		let finish: string | null = null;
		let usage = 0;
		for await (const chunk of stream) {
			for (const c of chunk.choices) {
				text += c.delta.content ?? "";
				tokens += c.logprobs?.content?.length ?? 0;
				finish = c.finish_reason ?? finish;
			}
			usage = chunk.usage?.completion_tokens ?? usage;
		}
		expect(text).toBe(plain.choices[0]?.message.content ?? "");
		expect(tokens).toBe(plain.usage?.completion_tokens ?? -1);
		expect(usage).toBe(tokens);
		expect(finish).toBe(plain.choices[0]?.finish_reason ?? "");
	});

	test("greedy completions equal `stepwise generate --prompt`; streamed and not, legacy log-probs", async () => {
		const cli = await cliGenerate(["--prompt", "up down", "--max-new-tokens", "5"]);
		const r = await client.completions.create({
			model: MODEL,
			prompt: "up down",
			max_tokens: 5,
			temperature: 0,
			logprobs: 2,
			...withIds,
		});
		const lp = r.choices[0]?.logprobs;
		expect(lp?.tokens?.map((t) => Number(t.split(":")[1]))).toEqual(cli.ids);
		expect(r.choices[0]?.text).toBe(cli.text);
		lp?.token_logprobs?.forEach((x, i) => {
			expect(x).toBeCloseTo(cli.logprobs[i] as number, 5);
		});
		expect(lp?.top_logprobs?.every((alts) => Object.keys(alts).length === 2)).toBe(true);
		const stream = await client.completions.create({
			model: MODEL,
			prompt: "up down",
			max_tokens: 5,
			temperature: 0,
			stream: true,
			logprobs: 0,
		});
		let text = "";
		for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
		expect(text).toBe(cli.text);
	});

	test("sampling: n choices, reproducible with a seed, the same as `stepwise generate --seed` for one choice", async () => {
		const ask = (seed: number) =>
			client.chat.completions.create({
				model: MODEL,
				messages: chatMessages,
				max_tokens: 6,
				temperature: 1,
				top_p: 0.9,
				n: 3,
				seed,
				...withIds,
				logprobs: true,
			});
		const [a, b] = await Promise.all([ask(7), ask(7)]);
		expect(a.choices).toHaveLength(3);
		expect(a.choices.map((c) => c.message.content)).toEqual(b.choices.map((c) => c.message.content));
		const ids = a.choices.map((c) => idsOf(c.logprobs?.content ?? []).join(","));
		expect(new Set(ids).size).toBeGreaterThan(1);
		const cli = await cliGenerate([
			"--chat",
			question,
			"--max-new-tokens",
			"6",
			"--temperature",
			"1",
			"--top-p",
			"0.9",
			"--seed",
			"7",
		]);
		expect(idsOf(a.choices[0]?.logprobs?.content ?? [])).toEqual(cli.ids);
	});

	test("stop strings cut the answer before the stop text", async () => {
		const plain = await client.completions.create({ model: MODEL, prompt: "up", max_tokens: 8, temperature: 0 });
		const full = plain.choices[0]?.text ?? "";
		const stop = full.slice(2, 4);
		expect(stop.length).toBe(2);
		const cut = await client.completions.create({ model: MODEL, prompt: "up", max_tokens: 8, temperature: 0, stop });
		expect(cut.choices[0]?.text).toBe(full.slice(0, full.indexOf(stop)));
		expect(cut.choices[0]?.finish_reason).toBe("stop");
	});

	test("malformed JSON, bad fields, an unknown model and an oversize prompt get OpenAI errors; the server keeps serving", async () => {
		const post = (body: string) =>
			fetch(`${server.url}/v1/chat/completions`, {
				method: "POST",
				body,
				headers: { "content-type": "application/json" },
			});
		const bad = await post("{not json");
		expect(bad.status).toBe(400);
		expect(((await bad.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
		const field = await post(JSON.stringify({ model: MODEL, messages: chatMessages, temperature: 7 }));
		expect(field.status).toBe(400);
		expect(((await field.json()) as { error: { param: string } }).error.param).toBe("temperature");
		const unknown = await client.chat.completions
			.create({ model: "no-such-model", messages: chatMessages })
			.catch((e: unknown) => e);
		expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
		const long = await client.chat.completions
			.create({ model: MODEL, messages: [{ role: "user", content: "box ".repeat(200) }] })
			.catch((e: unknown) => e);
		expect(long).toBeInstanceOf(OpenAI.BadRequestError);
		expect((long as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("context_length_exceeded");
		const huge = await post(JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "x".repeat(9e6) }] }));
		expect(huge.status).toBe(413);
		const ok = await client.chat.completions.create({ model: MODEL, messages: chatMessages, max_tokens: 2 });
		expect(ok.choices).toHaveLength(1);
	});

	test("streamed tokens go out while the batch is still decoding", async () => {
		const body = { model: MODEL, messages: chatMessages, max_tokens: 36, temperature: 0, stream: true };
		const full = await client.chat.completions.create({ ...body, stream: false });
		expect(full.usage?.completion_tokens).toBe(36);
		const batches = engine.stats.batches;
		const response = await fetch(`${server.url}/v1/chat/completions`, {
			method: "POST",
			body: JSON.stringify(body),
			headers: { "content-type": "application/json" },
		});
		const reader = response.body?.getReader();
		const decoder = new TextDecoder();
		let text = "";
		let tokenChunkWhileDecoding = false;
		for (;;) {
			const part = await reader?.read();
			if (part === undefined || part.done) break;
			text += decoder.decode(part.value);
			if (!tokenChunkWhileDecoding && /"content":"[^"]/.test(text))
				tokenChunkWhileDecoding = engine.stats.batches === batches;
		}
		expect(tokenChunkWhileDecoding).toBe(true);
		expect(engine.stats.batches).toBe(batches + 1);
		const content = text
			.split("\n\n")
			.filter((l) => l.startsWith("data: {"))
			.map(
				(l) =>
					(JSON.parse(l.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ??
					"",
			)
			.join("");
		expect(content).toBe(full.choices[0]?.message.content ?? "");
		expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
	});

	test("a client that disconnects mid-stream leaves the server serving", async () => {
		const abort = new AbortController();
		const response = await fetch(`${server.url}/v1/chat/completions`, {
			method: "POST",
			body: JSON.stringify({ model: MODEL, messages: chatMessages, max_tokens: 36, stream: true, logprobs: true }),
			headers: { "content-type": "application/json" },
			signal: abort.signal,
		});
		const reader = response.body?.getReader();
		await reader?.read();
		abort.abort();
		await reader?.cancel().catch(() => undefined);
		const ok = await client.chat.completions.create({ model: MODEL, messages: chatMessages, max_tokens: 2 });
		expect(ok.choices[0]?.message.content).toBeString();
	});

	test("64 concurrent chat requests complete, batched: fewer forward passes than requests", async () => {
		const before = { ...engine.stats };
		const t0 = performance.now();
		const answers = await Promise.all(
			Array.from({ length: 64 }, (_, i) =>
				client.chat.completions.create({
					model: MODEL,
					messages: [{ role: "user", content: `room ${i}: push the box` }],
					max_tokens: 4,
					temperature: 0,
				}),
			),
		);
		const seconds = (performance.now() - t0) / 1000;
		expect(answers.every((a) => a.choices.length === 1)).toBe(true);
		const requests = engine.stats.requests - before.requests;
		const passes = engine.stats.forwardPasses - before.forwardPasses;
		const batches = engine.stats.batches - before.batches;
		console.log(
			`serve load: 64 requests in ${seconds.toFixed(2)} s (${(64 / seconds).toFixed(1)} req/s), ${batches} batches, ${passes} forward passes`,
		);
		expect(requests).toBe(64);
		expect(passes).toBeLessThan(64);
		expect(batches).toBeLessThan(64);
	});

	test("an API key: requests without it get 401; off loopback a key is required", async () => {
		const keyed = await startServer(
			serveLayer({ policy, modelName: MODEL, host: "127.0.0.1", port: 0, defaultMaxTokens: 4, apiKey: "s3cret" }),
		);
		try {
			const wrong = new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey: "wrong", maxRetries: 0 });
			expect(await wrong.models.list().catch((e: unknown) => e)).toBeInstanceOf(OpenAI.AuthenticationError);
			const right = new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey: "s3cret", maxRetries: 0 });
			expect((await right.models.list()).data).toHaveLength(1);
		} finally {
			await keyed.stop();
		}
		const open = await Effect.runPromise(Effect.flip(checkBinding("0.0.0.0", undefined)));
		expect(open._tag).toBe("UnprotectedBindError");
		await Effect.runPromise(checkBinding("0.0.0.0", "key"));
	});
});

describe("served models as policies (openai:BASE_URL#MODEL)", () => {
	test("greedy rollouts through the server equal local rollouts: prompts, token ids, answers, outcomes", async () => {
		const registry = await Effect.runPromise(
			Effect.provide(
				Effect.gen(function* () {
					return yield* EnvRegistry;
				}),
				EnvironmentsLive,
			),
		);
		const { plugin, spec } = await Effect.runPromise(registry.resolve("sokoban/6x6-1box-v0"));
		const tasks = Array.from({ length: 4 }, (_, index) => ({ seed: 3, split: "test", index }));
		const options = { tasks, greedy: true, maxNewTokens: 4 };
		const local = collectRollouts(policy, await Effect.runPromise(makeEnvs(plugin, spec, 4)), options);
		const remoteSpec = parseOpenAiPolicy(`openai:${server.url}#${MODEL}`);
		if (remoteSpec === undefined || "_tag" in remoteSpec) throw new Error("spec did not parse");
		const remote = await Effect.runPromise(
			collectRemote(remoteSpec, { maxNewTokens: 4 }, await Effect.runPromise(makeEnvs(plugin, spec, 4)), options),
		);
		expect(remote.map((t) => t.steps.map((s) => [s.promptIds, s.actionIds, s.response, s.action]))).toEqual(
			local.map((t) => t.steps.map((s) => [s.promptIds, s.actionIds, s.response, s.action])),
		);
		remote.forEach((t, i) => {
			t.steps.forEach((s, j) => {
				s.logProbs.forEach((lp, k) => {
					expect(lp).toBeCloseTo(local[i]?.steps[j]?.logProbs[k] as number, 4);
				});
			});
		});
		expect(remote.map((t) => t.won)).toEqual(local.map((t) => t.won));
	});

	test("`stepwise eval --policy openai:…` gives the checkpoint's figures", async () => {
		const dir = mkdtempSync(join(tmpdir(), "stepwise-serve-eval-"));
		const evalRun = async (name: string, policyArg: string, extra: string[] = []): Promise<EvalReport> => {
			await captureLog(() =>
				Effect.runPromise(
					runCli([
						"eval",
						"--backend",
						"wasm",
						"--run-dir",
						join(dir, name),
						"--policy",
						policyArg,
						"eval.tasks=6",
						"eval.seeds=[0,1]",
						"rollout.workers=0",
						...extra,
					]),
				),
			);
			return Effect.runPromise(readEvalReport(join(dir, name, "eval.json")));
		};
		const local = await evalRun("local", ckpt);
		const served = await evalRun("served", `openai:${server.url}#${MODEL}`);
		expect(served.perSeed.map((s) => s.outcomes)).toEqual(local.perSeed.map((s) => s.outcomes));
		expect(served.mean).toEqual(local.mean);
		// ALFWorld's prompts overflow the tiny context: the server keeps their last tokens
		// (`truncate_prompt_tokens`, from /v1/models' max_model_len) as local generation does
		const alfworld = ["env.spec=alfworld/legacy-v0", "eval.tasks=2", "eval.seeds=[0]"];
		const localAlf = await evalRun("local-alfworld", ckpt, alfworld);
		const servedAlf = await evalRun("served-alfworld", `openai:${server.url}#${MODEL}`, alfworld);
		expect(servedAlf.mean).toEqual(localAlf.mean);
		expect(servedAlf.perSeed).toEqual(localAlf.perSeed);
	});

	test("`stepwise explore --policy openai:…` writes trajectories that `credit` and `progress train` read", async () => {
		const dir = mkdtempSync(join(tmpdir(), "stepwise-serve-explore-"));
		const file = join(dir, "explore.jsonl");
		const tiny = new URL("../configs/tiny.yaml", import.meta.url).pathname;
		const common = ["--backend", "wasm", "--config", tiny, "--run-dir", join(dir, "run")];
		await captureLog(() =>
			Effect.runPromise(runCli(["explore", ...common, "--policy", `openai:${server.url}#${MODEL}`, "--output", file])),
		);
		const trajectories = await Effect.runPromise(readTrajectories(file));
		expect(trajectories).toHaveLength(4 * 2); // progress.tasks × progress.samples
		const step = trajectories[0]?.steps[0];
		expect(step?.prompt).toBeString();
		expect(step?.promptIds.length).toBeGreaterThan(0);
		expect(step?.actionIds.length).toBe(step?.logProbs.length);
		await Effect.runPromise(creditFile(file, join(dir, "credit.jsonl"), { method: "gigpo" }));
		await captureLog(() =>
			Effect.runPromise(
				runCli([
					"progress",
					"train",
					...common,
					"--policy",
					ckpt,
					"--trajectories",
					file,
					"--output",
					join(dir, "est"),
				]),
			),
		);
		expect(existsSync(join(dir, "est"))).toBe(true);
	});

	test("a bad spec or a refused request is a one-line RemotePolicyError", async () => {
		expect(parseOpenAiPolicy("openai:http://x")).toMatchObject({ _tag: "RemotePolicyError" });
		expect(parseOpenAiPolicy("openai:ftp://x#m")).toMatchObject({ _tag: "RemotePolicyError" });
		expect(parseOpenAiPolicy("runs/x/sft")).toBeUndefined();
		expect(parseOpenAiPolicy("openai:http://h:1#m")).toEqual({ baseUrl: "http://h:1/v1", model: "m" });
		const exit = await Effect.runPromise(
			Effect.flip(
				runCli([
					"eval",
					"--backend",
					"wasm",
					"--run-dir",
					join(mkdtempSync(join(tmpdir(), "stepwise-serve-bad-")), "r"),
					"--policy",
					`openai:${server.url}#other`,
					"eval.tasks=1",
					"eval.seeds=[0]",
				]),
			),
		);
		expect(String((exit as { message?: string }).message)).toContain("404");
	});
});
