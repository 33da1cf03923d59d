import { describe, expect, test } from "bun:test";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EnvRegistry } from "@stepwise/core";
import {
	buildTokenizer,
	collectDemonstrations,
	demonstrationText,
	encodeAnswer,
	encodePrompt,
} from "@stepwise/core/policy/index";
import { Effect, Result } from "effect";
import { resolveConfig } from "../src/config/decode.ts";
import { defaultConfig, RunConfig, trainMethodNames } from "../src/config/schema.ts";
import { EnvironmentsLive } from "../src/plugins.ts";
import { VALIDATION_OFFSET } from "../src/stages/context.ts";
import { runTraits } from "../src/stages/credit-fn.ts";

const configs = join(import.meta.dir, "..", "configs");

/**
 * The per-environment recipes: each names its compact spec, and its context and generation budget
 * hold the expert's demonstrations (every answer within `rollout.maxNewTokens`, prompt + answer within
 * `model.contextLength` for at least 99 % of the steps, so SFT drops nothing and truncates little).
 * WebShop's shopper expert, buying the first product it opens, wins about half its episodes.
 */
describe.each([
	["webshop", "webshop/compact-v1", 0.45],
	["search", "search/numbered-v0", 0.99],
] as const)("configs/%s.yaml", (name, spec, expertWins) => {
	test("names its compact spec; its context and answer budget hold the expert's steps", () => {
		const c = Effect.runSync(resolveConfig(RunConfig, { file: join(configs, `${name}.yaml`), base: defaultConfig }));
		expect(c.env.spec).toBe(spec);
		const overrides = {
			...c.env.options,
			...(name === "search" ? { cacheDir: join(tmpdir(), "stepwise-search-test-cache") } : {}),
		};
		const managed = Effect.runSync(
			Effect.provide(
				Effect.gen(function* () {
					return yield* (yield* EnvRegistry).make(c.env.spec, overrides);
				}),
				EnvironmentsLive,
			),
		);
		const tasks = (n: number, offset: number) =>
			Array.from({ length: n }, (_, i) => ({ seed: c.seed, split: "train", index: offset + i }));
		const train = collectDemonstrations(managed, tasks(c.sft.episodes, 0));
		const val = collectDemonstrations(managed, tasks(c.sft.validationEpisodes, VALIDATION_OFFSET));
		expect(val.won).toBeGreaterThanOrEqual(expertWins * c.sft.validationEpisodes);
		const tokenizer = buildTokenizer(demonstrationText(train.demos), {
			maxVocab: c.sft.vocabSize,
			chunking: c.sft.chunking,
		});
		const lengths = val.demos.map((d) => ({
			prompt: encodePrompt(tokenizer, d.prompt).length,
			answer: encodeAnswer(tokenizer, d.target).length,
		}));
		for (const l of lengths) expect(l.answer).toBeLessThanOrEqual(c.rollout.maxNewTokens);
		const fit = lengths.filter((l) => l.prompt + l.answer <= c.model.contextLength).length;
		expect(fit / lengths.length).toBeGreaterThanOrEqual(0.99);
	}, 60_000);
});

describe("every recipe runs every method", () => {
	test.each(["alfworld", "webshop", "search", "virtualhome"])("configs/%s.yaml with method.name=<any>", (name) => {
		const file = join(configs, `${name}.yaml`);
		for (const method of trainMethodNames()) {
			const overrides = [`method.name=${method}`, ...(method === "mix" ? ["method.mix=0.5*gigpo + 0.5*rloo"] : [])];
			const c = Effect.runSync(resolveConfig(RunConfig, { file, overrides, base: defaultConfig }));
			const traits = runTraits(c.method);
			expect(
				Result.isSuccess(traits) ? method : `${method}: ${Result.isFailure(traits) ? traits.failure.message : ""}`,
			).toBe(method);
			// the recipe's own method keeps its options; another starts from its own
			if (method !== "gigpo") expect(c.method.config).toEqual({});
		}
		const own = Effect.runSync(resolveConfig(RunConfig, { file, base: defaultConfig }));
		expect(
			Effect.runSync(resolveConfig(RunConfig, { file, overrides: ["method.name=gigpo"], base: defaultConfig })).method,
		).toEqual(own.method);
	});
});
