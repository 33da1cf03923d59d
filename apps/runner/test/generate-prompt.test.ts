import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { hfPromptCodec } from "@stepwise/core/hf/prompting";
import { loadHfTokenizer } from "@stepwise/core/hf/tokenizer";
import { Effect, Option } from "effect";
import { generatePromptIds } from "../src/commands/serving.ts";

const fixtures = resolve(import.meta.dir, "../../../packages/core/test/fixtures/hf-tokenizers");
const reference = JSON.parse(gunzipSync(readFileSync(join(fixtures, "reference.json.gz"))).toString("utf8")) as {
	strings: string[];
	tokenizers: Record<
		string,
		{
			specialPrefix: number[];
			ids: number[][];
			chats: { messages: { role: string; content: string }[]; addGenerationPrompt: boolean; ids?: number[] }[];
		}
	>;
};

describe("stepwise generate's prompt through a Hugging Face tokenizer", () => {
	test.each(["qwen2", "llama3", "llama2"])(
		"%s: --chat is the template's prompt, --prompt the text after <s>",
		(family) => {
			const tok = Effect.runSync(loadHfTokenizer(join(fixtures, family)));
			const codec = hfPromptCodec(tok, join(fixtures, family));
			const ref = reference.tokenizers[family];
			// the first reference conversation is one user message "hi", rendered with the generation prompt
			const hi = ref?.chats.find(
				(c) => c.addGenerationPrompt && JSON.stringify(c.messages) === '[{"role":"user","content":"hi"}]',
			);
			expect(hi?.ids).toBeDefined();
			expect(generatePromptIds(codec, { chat: Option.some("hi"), prompt: Option.none() })).toEqual(hi?.ids ?? []);
			const i = reference.strings.indexOf("hello");
			expect(generatePromptIds(codec, { chat: Option.none(), prompt: Option.some("hello") })).toEqual([
				...(ref?.specialPrefix ?? []),
				...(ref?.ids[i] ?? []),
			]);
		},
	);
});
