import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { ChatMessage } from "../../src/env/types.ts";
import { HfTokenizer } from "../../src/hf/tokenizer.ts";

/** The fixtures `scripts/hf-tokenizer-fixtures.py` wrote, with the Python libraries' answers. */
export const FIXTURES = join(import.meta.dir, "../fixtures/hf-tokenizers");
export const FAMILIES = ["qwen2", "llama3", "llama2", "mistral"] as const;
export type Family = (typeof FAMILIES)[number];

export interface ChatReference {
	readonly messages: ReadonlyArray<ChatMessage>;
	readonly addGenerationPrompt: boolean;
	readonly text?: string;
	readonly ids?: ReadonlyArray<number>;
	readonly error?: string;
}

export interface TokenizerReference {
	readonly vocabSize: number;
	readonly specialPrefix: ReadonlyArray<number>;
	readonly ids: ReadonlyArray<ReadonlyArray<number>>;
	readonly decoded: { readonly [index: string]: string };
	readonly decodedSkipSpecial: { readonly [index: string]: string };
	readonly chats: ReadonlyArray<ChatReference>;
	readonly randomDecodes: ReadonlyArray<{
		readonly ids: ReadonlyArray<number>;
		readonly text: string;
		readonly textSkipSpecial: string;
	}>;
}

export interface Reference {
	readonly strings: ReadonlyArray<string>;
	readonly tokenizers: { readonly [K in Family]: TokenizerReference };
}

export const reference: Reference = JSON.parse(
	gunzipSync(readFileSync(join(FIXTURES, "reference.json.gz"))).toString("utf8"),
) as Reference;

const readJson = (family: Family, file: string): unknown =>
	JSON.parse(readFileSync(join(FIXTURES, family, file), "utf8")) as unknown;

/** A fixture tokenizer, built from its parsed files (loadHfTokenizer is tested on the directories). */
export const fixtureTokenizer = (family: Family): HfTokenizer => {
	let chatTemplate: string | undefined;
	try {
		chatTemplate = readFileSync(join(FIXTURES, family, "chat_template.jinja"), "utf8");
	} catch {
		chatTemplate = undefined;
	}
	return HfTokenizer.fromJson({
		tokenizer: readJson(family, "tokenizer.json"),
		config: readJson(family, "tokenizer_config.json"),
		specialTokensMap: readJson(family, "special_tokens_map.json"),
		generationConfig: readJson(family, "generation_config.json"),
		...(chatTemplate === undefined ? {} : { chatTemplate }),
	});
};
