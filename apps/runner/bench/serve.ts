/**
 * `stepwise serve` under load (loopback): a policy of the default size (configs' `model`, fresh
 * weights: throughput does not depend on what the weights say), sampled chat completions from the
 * official `openai` client. First one request at a time (no batching possible), then 64 at once;
 * prints requests/s, tokens/s, batches and forward passes of each.
 *
 *   bun run bench/serve.ts [--requests 64] [--max-tokens 32]
 */
import { initBackend } from "@stepwise/core/ml";
import { buildTokenizer, type Policy, stepwisePromptCodec, TransformerPolicy } from "@stepwise/core/policy/index";
import OpenAI from "openai";
import { defaultConfig } from "../src/config/schema.ts";
import { Engine } from "../src/serve/engine.ts";
import { serveLayer } from "../src/serve/server.ts";
import { startServer } from "../test/servers.ts";

const arg = (name: string, fallback: number): number => {
	const i = process.argv.indexOf(`--${name}`);
	return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const requests = arg("requests", 64);
const maxTokens = arg("max-tokens", 32);

await initBackend("wasm");
const tokenizer = buildTokenizer([
	"You are in a 6x6 room. Push the box onto the target. Available actions: up, down, left, right.",
	"#_P_O# #_X__# ######",
]);
const contextLength = 128;
const model = TransformerPolicy.init({ ...defaultConfig.model, contextLength, vocabSize: tokenizer.vocabSize }, 0);
const policy: Policy = { model, codec: stepwisePromptCodec(tokenizer) };
const engine = new Engine(policy, { windowMs: 5, maxBatch: 64 });
const server = await startServer(
	serveLayer({ policy, modelName: "bench", host: "127.0.0.1", port: 0, defaultMaxTokens: maxTokens }, engine),
);
const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });

const ask = (i: number) =>
	client.chat.completions.create({
		model: "bench",
		messages: [{ role: "user", content: `Room ${i}: push the box onto the target. Your action?` }],
		max_tokens: maxTokens,
		temperature: 1,
		seed: i,
	});

const measure = async (label: string, run: () => Promise<ReadonlyArray<OpenAI.ChatCompletion>>) => {
	const before = { ...engine.stats };
	const t0 = performance.now();
	const answers = await run();
	const s = (performance.now() - t0) / 1000;
	const tokens = answers.reduce((sum, a) => sum + (a.usage?.completion_tokens ?? 0), 0);
	console.log(
		`${label}: ${answers.length} requests in ${s.toFixed(2)} s — ${(answers.length / s).toFixed(1)} req/s, ${(tokens / s).toFixed(0)} tokens/s; ${engine.stats.batches - before.batches} batches, ${engine.stats.forwardPasses - before.forwardPasses} forward passes`,
	);
	return answers.length / s;
};

console.log(`serve bench: model ${JSON.stringify(model.config)}, wasm backend, max_tokens ${maxTokens}, temperature 1`);
await ask(-1); // warm-up
const sequential = await measure(`one at a time`, async () => {
	const out: OpenAI.ChatCompletion[] = [];
	for (let i = 0; i < Math.min(16, requests); i++) out.push(await ask(i));
	return out;
});
const concurrent = await measure(`${requests} concurrent`, () =>
	Promise.all(Array.from({ length: requests }, (_, i) => ask(i))),
);
console.log(`batching: ${(concurrent / sequential).toFixed(1)}× the requests/s of one at a time`);

// streamed: the time to each request's first token chunk, and to its end
const t0 = performance.now();
const firsts: number[] = [];
const ends: number[] = [];
await Promise.all(
	Array.from({ length: requests }, async (_, i) => {
		const stream = await client.chat.completions.create({
			model: "bench",
			messages: [{ role: "user", content: `Room ${i}: push the box onto the target. Your action?` }],
			max_tokens: maxTokens,
			temperature: 1,
			seed: i,
			stream: true,
		});
		for await (const chunk of stream)
			if (firsts[i] === undefined && chunk.choices[0]?.delta.content) firsts[i] = performance.now() - t0;
		ends[i] = performance.now() - t0;
	}),
);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
console.log(
	`${requests} concurrent, streamed: median first token after ${median(firsts.filter((x) => x !== undefined)).toFixed(0)} ms, median end after ${median(ends).toFixed(0)} ms`,
);
await server.stop();
model.dispose();
