import { describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit } from "effect";
import { HfTokenizerError, loadHfTokenizer } from "../../src/hf/tokenizer.ts";
import { FAMILIES, FIXTURES, fixtureTokenizer, reference } from "./reference.ts";

const { strings } = reference;

describe.each(FAMILIES)("%s tokenizer against the Python tokenizers library", (family) => {
	const ref = reference.tokenizers[family];
	const tok = fixtureTokenizer(family);

	test(`encodes the ${strings.length} reference strings to the same ids`, () => {
		expect(strings.length).toBe(2000);
		const bad = strings.flatMap((s, i) => {
			const ids = tok.encode(s, { addSpecialTokens: false });
			return JSON.stringify(ids) === JSON.stringify(ref.ids[i]) ? [] : [i];
		});
		expect(bad).toEqual([]);
	});

	test("adds the post-processor's special tokens by default", () => {
		const bad = strings.flatMap((s, i) =>
			JSON.stringify(tok.encode(s)) === JSON.stringify([...ref.specialPrefix, ...(ref.ids[i] ?? [])]) ? [] : [i],
		);
		expect(bad).toEqual([]);
	});

	test("decodes the reference ids to the same text, with and without special tokens", () => {
		const bad = strings.flatMap((s, i) => {
			const ids = ref.ids[i] ?? [];
			const text = ref.decoded[String(i)] ?? s;
			const skipped = ref.decodedSkipSpecial[String(i)] ?? text;
			return tok.decode(ids) === text && tok.decode(ids, { skipSpecialTokens: true }) === skipped ? [] : [i];
		});
		expect(bad).toEqual([]);
	});

	test("decodes arbitrary id sequences (broken UTF-8, specials anywhere) to the same text", () => {
		expect(ref.randomDecodes.length).toBe(300);
		for (const r of ref.randomDecodes) {
			expect(tok.decode(r.ids)).toBe(r.text);
			expect(tok.decode(r.ids, { skipSpecialTokens: true })).toBe(r.textSkipSpecial);
		}
	});

	test("has the same vocabulary size", () => {
		expect(tok.vocabSize).toBe(ref.vocabSize);
	});
});

describe("special tokens", () => {
	test("come from tokenizer_config.json and generation_config.json", () => {
		const qwen = fixtureTokenizer("qwen2");
		expect(qwen.bos).toBe(qwen.tokenToId("<|endoftext|>"));
		expect(qwen.eos).toEqual([qwen.tokenToId("<|im_end|>") as number]);
		expect(qwen.pad).toBe(qwen.tokenToId("<|endoftext|>"));
		expect(qwen.specialTokens).toEqual({ eos_token: "<|im_end|>", pad_token: "<|endoftext|>" });
		const llama3 = fixtureTokenizer("llama3");
		expect(llama3.bos).toBe(llama3.tokenToId("<|begin_of_text|>"));
		// the config's end-of-turn first, then generation_config's other end id
		expect(llama3.eos).toEqual([llama3.tokenToId("<|eot_id|>"), llama3.tokenToId("<|end_of_text|>")] as number[]);
		expect(llama3.pad).toBeUndefined();
		const llama2 = fixtureTokenizer("llama2");
		expect([llama2.bos, llama2.eos, llama2.pad]).toEqual([1, [2], undefined]);
		expect(llama2.specialIds).toEqual(new Set([0, 1, 2]));
		expect(llama2.idToToken(3)).toBe("<0x00>");
	});
});

describe("loadHfTokenizer", () => {
	const copy = (family: string) => {
		const dir = mkdtempSync(join(tmpdir(), "hf-tok-"));
		cpSync(join(FIXTURES, family), dir, { recursive: true });
		return dir;
	};
	const failure = (dir: string): HfTokenizerError => {
		const exit = Effect.runSyncExit(loadHfTokenizer(dir));
		rmSync(dir, { recursive: true, force: true });
		if (Exit.isSuccess(exit)) throw new Error("expected a failure");
		const error = exit.cause.reasons.find((r) => r._tag === "Fail")?.error;
		if (!(error instanceof HfTokenizerError)) throw new Error(`unexpected ${String(exit.cause)}`);
		return error;
	};

	test("loads a model directory, chat_template.jinja included", () => {
		const tok = Effect.runSync(loadHfTokenizer(join(FIXTURES, "llama3")));
		expect(tok.chatTemplate).toContain("<|start_header_id|>");
		expect(tok.encode("hello there", { addSpecialTokens: false })).toEqual(
			fixtureTokenizer("llama3").encode("hello there", { addSpecialTokens: false }),
		);
	});

	test("names the file at fault", () => {
		const missing = copy("qwen2");
		rmSync(join(missing, "tokenizer.json"));
		const e1 = failure(missing);
		expect(e1.file).toBe(join(missing, "tokenizer.json"));
		expect(e1.message).toContain("file is missing");

		const badJson = copy("qwen2");
		writeFileSync(join(badJson, "tokenizer_config.json"), "{ nope");
		expect(failure(badJson).message).toBe(`${join(badJson, "tokenizer_config.json")}: not valid JSON`);

		const badToken = copy("qwen2");
		writeFileSync(join(badToken, "tokenizer_config.json"), JSON.stringify({ eos_token: "<|nope|>" }));
		expect(failure(badToken).message).toBe(
			`${join(badToken, "tokenizer_config.json")}: eos_token "<|nope|>" is not a token`,
		);

		const badId = copy("llama2");
		writeFileSync(join(badId, "generation_config.json"), JSON.stringify({ eos_token_id: [2, 99999] }));
		expect(failure(badId).message).toContain("eos_token_id 99999 is not a token id");

		const unigram = copy("llama2");
		writeFileSync(join(unigram, "tokenizer.json"), JSON.stringify({ model: { type: "Unigram" }, added_tokens: [] }));
		const e5 = failure(unigram);
		expect(e5.file).toBe(join(unigram, "tokenizer.json"));
		expect(e5.message).toContain("model.type");
	});
});
