/**
 * Hugging Face tokenizers: `tokenizer.json` (byte-level BPE as GPT-2, Llama-3 and Qwen2 use it, and
 * SentencePiece-style BPE with byte fallback as Llama-2 and Mistral use it) plus the special tokens
 * of `tokenizer_config.json`, `special_tokens_map.json` and `generation_config.json`, with encode and
 * decode identical to the Python `tokenizers` library (checked against its output in
 * `test/hf/tokenizer.test.ts`). The BPE work is done by `@huggingface/tokenizers` (pure TypeScript,
 * synchronous); this module decodes the files, finds the special ids and does the id lookup and the
 * byte-fallback step of decoding itself, where that library differs from the Rust one (see
 * {@link HfTokenizer.decode}).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ByteFallbackDecoder, type Decoder, SequenceDecoder, Tokenizer } from "@huggingface/tokenizers";
import { Effect, Exit, Schema } from "effect";
import { schemaErrorKey } from "../util/schema-issue.ts";

/** A tokenizer file is missing, unreadable, malformed or names a token it does not have. */
export class HfTokenizerError extends Schema.TaggedError<HfTokenizerError>()("HfTokenizerError", {
	/** The file at fault (its path). */
	file: Schema.String,
	message: Schema.String,
}) {}

/** Tokenizer and generation files a model directory may hold: what checkpoints keep and export copies, when present. */
export const TOKENIZER_FILES = [
	"tokenizer.json",
	"tokenizer_config.json",
	"special_tokens_map.json",
	"vocab.json",
	"merges.txt",
	"tokenizer.model",
	"chat_template.jinja",
	"generation_config.json",
] as const;

/** The files of a Hugging Face tokenizer, inside a model directory. */
export const HF_TOKENIZER_FILES = {
	tokenizer: "tokenizer.json",
	config: "tokenizer_config.json",
	specialTokensMap: "special_tokens_map.json",
	generationConfig: "generation_config.json",
	chatTemplate: "chat_template.jinja",
} as const;

/** A special token as the config files write it: its text, or an `AddedToken` object. */
const TokenRef = Schema.NullOr(Schema.Union([Schema.String, Schema.Struct({ content: Schema.String })]));
type TokenRef = typeof TokenRef.Type;

const AddedTokenJson = Schema.Struct({ id: Schema.Int, content: Schema.String, special: Schema.Boolean });

/** The parts of `tokenizer.json` this module reads (the library reads the rest). */
const TokenizerJsonSchema = Schema.Struct({
	model: Schema.Struct({
		type: Schema.Literal("BPE"),
		vocab: Schema.Record(Schema.String, Schema.Int),
	}),
	added_tokens: Schema.Array(AddedTokenJson),
});

/** A chat template: one string, or named templates (`default` is the chat one). */
const ChatTemplateJson = Schema.Union([
	Schema.String,
	Schema.Array(Schema.Struct({ name: Schema.String, template: Schema.String })),
]);

/** `tokenizer_config.json` (and `special_tokens_map.json`, which holds a subset of it). */
const TokenizerConfigJson = Schema.Struct({
	bos_token: Schema.optionalKey(TokenRef),
	eos_token: Schema.optionalKey(TokenRef),
	pad_token: Schema.optionalKey(TokenRef),
	unk_token: Schema.optionalKey(TokenRef),
	chat_template: Schema.optionalKey(Schema.NullOr(ChatTemplateJson)),
});
type TokenizerConfigJson = typeof TokenizerConfigJson.Type;

const IdOrIds = Schema.NullOr(Schema.Union([Schema.Int, Schema.Array(Schema.Int)]));
const GenerationConfigJson = Schema.Struct({
	bos_token_id: Schema.optionalKey(IdOrIds),
	eos_token_id: Schema.optionalKey(IdOrIds),
	pad_token_id: Schema.optionalKey(IdOrIds),
});
type GenerationConfigJson = typeof GenerationConfigJson.Type;

/** The parsed JSON of a tokenizer's files, as {@link HfTokenizer.fromJson} takes them. */
export interface HfTokenizerFiles {
	/** `tokenizer.json`. */
	readonly tokenizer: unknown;
	/** `tokenizer_config.json`, if present. */
	readonly config?: unknown;
	/** `special_tokens_map.json`, if present. */
	readonly specialTokensMap?: unknown;
	/** `generation_config.json`, if present. */
	readonly generationConfig?: unknown;
	/** `chat_template.jinja`, if present (it wins over the config's `chat_template`). */
	readonly chatTemplate?: string;
	/** File names for error messages (default: the standard names). */
	readonly paths?: Partial<Record<keyof typeof HF_TOKENIZER_FILES, string>>;
}

/** Options of {@link HfTokenizer.encode}. */
export interface EncodeOptions {
	/** Apply the post-processor (Llama's `<s>`/`<|begin_of_text|>` prefix); default true, as in `tokenizers`. */
	readonly addSpecialTokens?: boolean;
}

/** Options of {@link HfTokenizer.decode}. */
export interface DecodeOptions {
	/** Drop special added tokens (`<|im_end|>`, `</s>` …); default false, as in `tokenizers`. */
	readonly skipSpecialTokens?: boolean;
}

const decodeJson = <S extends Schema.Top>(schema: S, file: string, input: unknown): S["Type"] => {
	const exit = Schema.decodeUnknownExit(schema as unknown as Schema.Codec<S["Type"], unknown>)(input);
	if (Exit.isSuccess(exit)) return exit.value;
	const error = exit.cause.reasons.find((r) => r._tag === "Fail")?.error as
		| { readonly issue: Parameters<typeof schemaErrorKey>[0]["issue"]; readonly message?: string }
		| undefined;
	const key = error === undefined ? "(root)" : schemaErrorKey(error, { root: "(root)" });
	throw new HfTokenizerError({ file, message: `${file}: unexpected content at ${key}: ${error?.message ?? "?"}` });
};

const refText = (ref: TokenRef | undefined): string | undefined =>
	ref === undefined || ref === null ? undefined : typeof ref === "string" ? ref : ref.content;

const idList = (v: number | ReadonlyArray<number> | null | undefined): number[] =>
	v === undefined || v === null ? [] : typeof v === "number" ? [v] : [...v];

/**
 * Rust's `ByteFallback` decoder: a run of `<0xNN>` tokens becomes its UTF-8 text, or one U+FFFD per
 * byte when the run is not valid UTF-8 (a leading BOM is kept). `@huggingface/tokenizers` decodes the
 * run with a default `TextDecoder`, which drops a BOM and merges invalid bytes into fewer U+FFFDs.
 */
const byteFallbackChain = (tokens: ReadonlyArray<string>): string[] => {
	const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
	const out: string[] = [];
	let bytes: number[] = [];
	const flush = () => {
		if (bytes.length === 0) return;
		try {
			out.push(strict.decode(Uint8Array.from(bytes)));
		} catch {
			for (let i = 0; i < bytes.length; i++) out.push("\uFFFD");
		}
		bytes = [];
	};
	for (const token of tokens) {
		const byte = /^<0x[0-9A-Fa-f]{2}>$/.test(token) ? Number.parseInt(token.slice(3, 5), 16) : undefined;
		if (byte === undefined) {
			flush();
			out.push(token);
		} else bytes.push(byte);
	}
	flush();
	return out;
};

/** Run a decoder chain, with the Rust `ByteFallback` in place of the library's. */
const decodeChain = (decoder: Decoder, tokens: string[]): string[] => {
	if (decoder instanceof SequenceDecoder) return decoder.decoders.reduce((t, d) => decodeChain(d, t), tokens);
	if (decoder instanceof ByteFallbackDecoder) return byteFallbackChain(tokens);
	return decoder.decode_chain(tokens);
};

/**
 * A Hugging Face tokenizer with its special tokens. Build one with {@link loadHfTokenizer} (a model
 * directory) or {@link HfTokenizer.fromJson} (parsed files).
 * @example
 * const tok = yield* loadHfTokenizer("models/qwen2");
 * tok.decode(tok.encode("hello")) === "hello"
 */
export class HfTokenizer {
	/** Ids `0..vocabSize-1` are tokens: the model vocabulary and the added tokens. */
	readonly vocabSize: number;
	/** The begin-of-sequence id (Llama's `<s>`), if the tokenizer has one. */
	readonly bos: number | undefined;
	/** End ids: the config's `eos_token` first, then `generation_config.json`'s `eos_token_id`s. */
	readonly eos: ReadonlyArray<number>;
	/** The padding id, if any. */
	readonly pad: number | undefined;
	/** The special tokens' texts, as chat templates see them (`bos_token`, `eos_token` …). */
	readonly specialTokens: { readonly [name: string]: string };
	/** The Jinja chat template, if the model has one. */
	readonly chatTemplate: string | undefined;
	/** Ids of the special added tokens. */
	readonly specialIds: ReadonlySet<number>;
	private readonly inner: Tokenizer;
	private readonly idToken: ReadonlyArray<string | undefined>;

	private constructor(files: HfTokenizerFiles) {
		const path = (k: keyof typeof HF_TOKENIZER_FILES) => files.paths?.[k] ?? HF_TOKENIZER_FILES[k];
		const json = decodeJson(TokenizerJsonSchema, path("tokenizer"), files.tokenizer);
		const config: TokenizerConfigJson =
			files.config === undefined ? {} : decodeJson(TokenizerConfigJson, path("config"), files.config);
		const map: TokenizerConfigJson =
			files.specialTokensMap === undefined
				? {}
				: decodeJson(TokenizerConfigJson, path("specialTokensMap"), files.specialTokensMap);
		const generation: GenerationConfigJson =
			files.generationConfig === undefined
				? {}
				: decodeJson(GenerationConfigJson, path("generationConfig"), files.generationConfig);

		const idToken: Array<string | undefined> = [];
		for (const [token, id] of Object.entries(json.model.vocab)) idToken[id] = token;
		for (const t of json.added_tokens) idToken[t.id] = t.content;
		this.idToken = idToken;
		this.vocabSize = idToken.length;
		this.specialIds = new Set(json.added_tokens.filter((t) => t.special).map((t) => t.id));
		try {
			// Only decoding reads the config here; `tokenizers` never cleans up spaces.
			this.inner = new Tokenizer(files.tokenizer as object, { clean_up_tokenization_spaces: false });
		} catch (e) {
			throw new HfTokenizerError({
				file: path("tokenizer"),
				message: `${path("tokenizer")}: ${e instanceof Error ? e.message : String(e)}`,
			});
		}

		const specialTokens: Record<string, string> = {};
		const idOf = (name: "bos_token" | "eos_token" | "pad_token" | "unk_token"): number | undefined => {
			const fromConfig = refText(config[name]);
			const text = fromConfig ?? refText(map[name]);
			if (text === undefined) return undefined;
			specialTokens[name] = text;
			const id = this.inner.token_to_id(text);
			if (id === undefined) {
				const file = fromConfig === undefined ? path("specialTokensMap") : path("config");
				throw new HfTokenizerError({ file, message: `${file}: ${name} ${JSON.stringify(text)} is not a token` });
			}
			return id;
		};
		const checkIds = (key: string, ids: ReadonlyArray<number>) => {
			const bad = ids.find((id) => id < 0 || id >= this.vocabSize || this.idToken[id] === undefined);
			if (bad !== undefined)
				throw new HfTokenizerError({
					file: path("generationConfig"),
					message: `${path("generationConfig")}: ${key} ${bad} is not a token id (vocabulary ${this.vocabSize})`,
				});
			return ids;
		};
		this.bos = idOf("bos_token") ?? checkIds("bos_token_id", idList(generation.bos_token_id))[0];
		const eos = idOf("eos_token");
		this.eos = [
			...new Set([...(eos === undefined ? [] : [eos]), ...checkIds("eos_token_id", idList(generation.eos_token_id))]),
		];
		this.pad = idOf("pad_token") ?? checkIds("pad_token_id", idList(generation.pad_token_id))[0];
		idOf("unk_token");
		this.specialTokens = specialTokens;

		const template = files.chatTemplate ?? config.chat_template ?? undefined;
		if (typeof template === "string" || template === undefined) this.chatTemplate = template;
		else {
			const named = template.find((t) => t.name === "default");
			this.chatTemplate = named?.template;
		}
	}

	/**
	 * Build a tokenizer from parsed files. Throws {@link HfTokenizerError} naming the file at fault:
	 * a model other than BPE, a malformed file, or a special token that is not in the vocabulary.
	 */
	static fromJson(files: HfTokenizerFiles): HfTokenizer {
		return new HfTokenizer(files);
	}

	/** The ids of `text`, as `tokenizers`' `encode(text, add_special_tokens)` gives them. */
	encode(text: string, options: EncodeOptions = {}): number[] {
		return this.inner.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
	}

	/**
	 * The text of `ids`, as `tokenizers`' `decode(ids, skip_special_tokens)` gives it: ids outside the
	 * vocabulary are skipped, byte-fallback runs that are not UTF-8 give one U+FFFD per byte, and no
	 * spaces are cleaned up.
	 */
	decode(ids: ReadonlyArray<number>, options: DecodeOptions = {}): string {
		const skip = options.skipSpecialTokens ?? false;
		const tokens: string[] = [];
		for (const id of ids) {
			const token = this.idToken[id];
			if (token === undefined || (skip && this.specialIds.has(id))) continue;
			tokens.push(token);
		}
		const decoder = this.inner.decoder;
		if (decoder === null) return tokens.join(" ");
		return decodeChain(decoder, tokens).join("");
	}

	/** The id of a token's text (vocabulary or added token). */
	tokenToId(token: string): number | undefined {
		return this.inner.token_to_id(token);
	}

	/** The text of an id, as stored in the vocabulary. */
	idToToken(id: number): string | undefined {
		return this.idToken[id];
	}
}

const readJson = (file: string): unknown => {
	let text: string;
	try {
		text = readFileSync(file, "utf8");
	} catch (e) {
		throw new HfTokenizerError({ file, message: `${file}: cannot read: ${e instanceof Error ? e.message : e}` });
	}
	try {
		return JSON.parse(text) as unknown;
	} catch {
		throw new HfTokenizerError({ file, message: `${file}: not valid JSON` });
	}
};

/**
 * Load the tokenizer of a Hugging Face model directory: `tokenizer.json` (required), and when
 * present `tokenizer_config.json`, `special_tokens_map.json`, `generation_config.json` and
 * `chat_template.jinja`. Fails with {@link HfTokenizerError} naming the file at fault.
 */
export const loadHfTokenizer = (dir: string): Effect.Effect<HfTokenizer, HfTokenizerError> =>
	Effect.try({
		try: () => {
			const at = (k: keyof typeof HF_TOKENIZER_FILES) => join(dir, HF_TOKENIZER_FILES[k]);
			if (!existsSync(at("tokenizer")))
				throw new HfTokenizerError({ file: at("tokenizer"), message: `${at("tokenizer")}: file is missing` });
			const optional = (k: keyof typeof HF_TOKENIZER_FILES) => (existsSync(at(k)) ? readJson(at(k)) : undefined);
			let chatTemplate: string | undefined;
			if (existsSync(at("chatTemplate"))) {
				try {
					chatTemplate = readFileSync(at("chatTemplate"), "utf8");
				} catch (e) {
					throw new HfTokenizerError({
						file: at("chatTemplate"),
						message: `${at("chatTemplate")}: cannot read: ${e instanceof Error ? e.message : e}`,
					});
				}
			}
			return HfTokenizer.fromJson({
				tokenizer: readJson(at("tokenizer")),
				config: optional("config"),
				specialTokensMap: optional("specialTokensMap"),
				generationConfig: optional("generationConfig"),
				...(chatTemplate === undefined ? {} : { chatTemplate }),
				paths: {
					tokenizer: at("tokenizer"),
					config: at("config"),
					specialTokensMap: at("specialTokensMap"),
					generationConfig: at("generationConfig"),
					chatTemplate: at("chatTemplate"),
				},
			});
		},
		catch: (e) =>
			e instanceof HfTokenizerError
				? e
				: new HfTokenizerError({ file: join(dir, HF_TOKENIZER_FILES.tokenizer), message: String(e) }),
	});
