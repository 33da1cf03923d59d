import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ManagedEnv } from "../../src/env/time-limit.ts";
import { ChatTemplateError, chatIds, renderChat } from "../../src/hf/chat-template.ts";
import { hfAnswerIds, hfDecodeAnswer, hfPromptCodec, hfPromptIds, promptMessages } from "../../src/hf/prompting.ts";
import { HfTokenizer } from "../../src/hf/tokenizer.ts";
import { collectDemonstrations, encodeDemonstrations, encodeDemonstrationsWith } from "../../src/policy/demos.ts";
import { stepwisePromptCodec } from "../../src/policy/prompt-codec.ts";
import { encodeAnswer, encodePrompt } from "../../src/policy/prompting.ts";
import { corridorEnvs, corridorTokenizer, tasks } from "../policy/helpers.ts";
import { FAMILIES, FIXTURES, fixtureTokenizer, reference } from "./reference.ts";

const thrown = (f: () => unknown): unknown => {
	try {
		f();
	} catch (e) {
		return e;
	}
	throw new Error("expected a throw");
};

describe.each(FAMILIES)("%s chat template against transformers' apply_chat_template", (family) => {
	const ref = reference.tokenizers[family];
	const tok = fixtureTokenizer(family);

	test("renders the same text and ids, with and without the generation prompt", () => {
		for (const c of ref.chats) {
			if (c.error !== undefined) continue;
			const options = { addGenerationPrompt: c.addGenerationPrompt };
			expect(renderChat(tok, c.messages, options)).toBe(c.text as string);
			expect(chatIds(tok, c.messages, options)).toEqual([...(c.ids ?? [])]);
		}
	});

	test("raise_exception fails with the template's message", () => {
		for (const c of ref.chats) {
			if (c.error === undefined) continue;
			const e = thrown(() => renderChat(tok, c.messages, { addGenerationPrompt: c.addGenerationPrompt }));
			expect(e).toBeInstanceOf(ChatTemplateError);
			expect((e as ChatTemplateError).message).toBe(c.error);
		}
	});

	test("the answer span is the assistant content and its end-of-turn id", () => {
		// Each conversation that ends with an assistant turn has its prompt among the references.
		let checked = 0;
		for (const whole of ref.chats) {
			const last = whole.messages[whole.messages.length - 1];
			if (whole.addGenerationPrompt || whole.ids === undefined || last?.role !== "assistant") continue;
			const head = ref.chats.find(
				(c) =>
					c.addGenerationPrompt &&
					JSON.stringify(c.messages) === JSON.stringify(whole.messages.slice(0, -1)) &&
					c.ids !== undefined,
			);
			if (head?.ids === undefined) continue;
			const prompt = { style: "chat" as const, messages: head.messages };
			expect(hfPromptIds(tok, prompt)).toEqual([...head.ids]);
			const answer = hfAnswerIds(tok, prompt, last.content);
			expect(whole.ids.slice(0, head.ids.length)).toEqual([...head.ids]);
			const tail = whole.ids.slice(head.ids.length);
			const end = tail.findIndex((id) => tok.eos.includes(id));
			expect(end).toBeGreaterThanOrEqual(0);
			expect(answer).toEqual(tail.slice(0, end + 1));
			expect(hfDecodeAnswer(tok, answer).trim()).toBe(last.content.trim());
			checked++;
		}
		expect(checked).toBe(family === "mistral" ? 1 : 2);
	});
});

describe("prompt codecs", () => {
	test("step and compact prompts go through the template as one user message", () => {
		const tok = fixtureTokenizer("qwen2");
		const prompt = { style: "step" as const, text: "Observation: a wall.\nYour move:" };
		expect(promptMessages(prompt)).toEqual([{ role: "user", content: prompt.text }]);
		expect(tok.decode(hfPromptIds(tok, prompt))).toBe(
			"<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nObservation: a wall.\nYour move:<|im_end|>\n<|im_start|>assistant\n",
		);
		const answer = hfAnswerIds(tok, prompt, "left");
		expect(tok.decode(answer)).toBe("left<|im_end|>");
	});

	test("expert demonstrations in the chat style: prompt + answer is the whole conversation", () => {
		const env = corridorEnvs(1)[0] as ManagedEnv;
		const { demos } = collectDemonstrations(env, tasks("train", 3), { style: "chat" });
		expect(demos.length).toBeGreaterThan(5);
		for (const family of FAMILIES) {
			if (family === "mistral") continue; // its template refuses a system turn, which the corridor's chat has
			const tok = fixtureTokenizer(family);
			const codec = hfPromptCodec(tok, "");
			for (const d of demos) {
				const answer = codec.answerIds(d.prompt, d.target);
				const messages = promptMessages(d.prompt);
				const whole = chatIds(tok, [...messages, { role: "assistant", content: d.target }]);
				expect([...codec.promptIds(d.prompt), ...answer]).toEqual(
					whole.slice(0, codec.promptIds(d.prompt).length + answer.length),
				);
				expect(tok.eos).toContain(answer[answer.length - 1] as number);
				expect(codec.decodeAnswer(answer).trim()).toBe(d.target.trim());
			}
		}
	});

	test("SFT examples through the HF codec: the loss starts at the assistant turn", () => {
		const env = corridorEnvs(1)[0] as ManagedEnv;
		const { demos } = collectDemonstrations(env, tasks("train", 2), { style: "compact" });
		const tok = fixtureTokenizer("qwen2");
		const codec = hfPromptCodec(tok, "");
		const examples = encodeDemonstrationsWith(codec, demos, 4096);
		expect(examples).toHaveLength(demos.length);
		examples.forEach((x, i) => {
			const d = demos[i] as (typeof demos)[number];
			expect(x.ids.slice(0, x.answerStart)).toEqual(codec.promptIds(d.prompt));
			expect(tok.decode(x.ids.slice(x.answerStart))).toBe(`${d.target}<|im_end|>`);
		});
		// a short context loses prompt tokens from the left, never answer tokens
		const cut = encodeDemonstrationsWith(codec, demos, 40);
		for (const x of cut) expect(x.ids.length).toBeLessThanOrEqual(40);
		expect(cut.map((x) => x.ids.slice(x.answerStart))).toEqual(examples.map((x) => x.ids.slice(x.answerStart)));
	});

	test("our own tokenizer's codec is the existing prompt layout", () => {
		const tok = corridorTokenizer();
		const codec = stepwisePromptCodec(tok);
		const prompt = { style: "compact" as const, text: "go" };
		expect(codec.promptIds(prompt)).toEqual(encodePrompt(tok, prompt));
		expect(codec.answerIds(prompt, "right")).toEqual(encodeAnswer(tok, "right"));
		expect(codec.textIds("right")).toEqual([tok.bos, ...tok.encode("right")]);
		expect(codec.decodeAnswer(codec.answerIds(prompt, "right"))).toBe("right");
		expect(codec.stopIds).toEqual([tok.actEnd]);
		const env = corridorEnvs(1)[0] as ManagedEnv;
		const { demos } = collectDemonstrations(env, tasks("train", 2), { style: "chat" });
		// the layout SFT used before codecs: encodePrompt + encodeAnswer, prompt cut from the left
		const expected = demos.flatMap((d) => {
			const prompt = encodePrompt(tok, d.prompt);
			const answer = encodeAnswer(tok, d.target);
			const ids = [...prompt, ...answer].slice(-64);
			return answer.length >= 64 ? [] : [{ ids, answerStart: ids.length - answer.length }];
		});
		expect(encodeDemonstrations(tok, demos, 64)).toEqual(expected);
		expect(encodeDemonstrationsWith(codec, demos, 64)).toEqual(expected);
	});

	test("a tokenizer without a template fails with ChatTemplateError", () => {
		const bare = HfTokenizer.fromJson({
			tokenizer: JSON.parse(readFileSync(join(FIXTURES, "qwen2", "tokenizer.json"), "utf8")),
		});
		expect(bare.chatTemplate).toBeUndefined();
		const e = thrown(() => renderChat(bare, [{ role: "user", content: "hi" }]));
		expect(e).toBeInstanceOf(ChatTemplateError);
		expect((e as ChatTemplateError).message).toContain("no chat template");
	});
});
