import { Schema } from "effect";

/** Tokenizer file format version; bump when the encoding rules change. */
export const TOKENIZER_VERSION = 1;

/**
 * Special tokens, in id order. `<act>` opens the action span (the policy's answer) and `</act>`
 * closes it: generation stops there.
 */
export const SPECIAL_TOKENS = ["<pad>", "<bos>", "<system>", "<user>", "<assistant>", "<act>", "</act>"] as const;
/** One of {@link SPECIAL_TOKENS}. */
export type SpecialToken = (typeof SPECIAL_TOKENS)[number];

/** Number of byte-fallback tokens (one per byte value), placed right after the specials. */
const BYTE_TOKENS = 256;
const BYTE_OFFSET = SPECIAL_TOKENS.length;
const PIECE_OFFSET = BYTE_OFFSET + BYTE_TOKENS;

/**
 * Pre-tokenisation: words (lower-case letter runs, optionally capitalised), single other letters
 * (so grid rows such as `#_PX_#` stay one token per cell), single digits, whitespace runs and single
 * other code points. Every code point falls in exactly one chunk, so encoding covers the whole text.
 */
const CHUNK = /\p{Lu}?[\p{Ll}\p{M}]+|\p{L}\p{M}*|\p{N}|[ \t]+|\r?\n|[^\p{L}\p{M}\p{N} \t\r\n]|[\r\n]/gsu;

/**
 * The `spaced` pre-tokenisation: as {@link CHUNK}, but a word or letter takes the one space before
 * it (` protein`, ` B`), as GPT-2's does, so running text costs about half the tokens. Digits and
 * other characters stay alone; further spaces form their own chunk.
 */
const SPACED_CHUNK =
	/ ?\p{Lu}?[\p{Ll}\p{M}]+| ?\p{L}\p{M}*|\p{N}|[ \t]+(?!\p{L})|[ \t]|\r?\n|[^\p{L}\p{M}\p{N} \t\r\n]|[\r\n]/gsu;

/**
 * The `refs` pre-tokenisation: as {@link SPACED_CHUNK}, but a reference, `#` and the digits after it
 * (`#14`), is one chunk, so a numbered name can become one token, the same one wherever it is written
 * (the space before it stays its own chunk).
 */
const REFS_CHUNK = new RegExp(`#\\p{N}+|${SPACED_CHUNK.source}`, "gsu");

/**
 * How text is cut into chunks before pieces are looked up: `words` (the default), `spaced` (see
 * {@link SPACED_CHUNK}) or `refs` (see {@link REFS_CHUNK}).
 */
export type Chunking = "words" | "spaced" | "refs";

const CHUNKS: Record<Chunking, RegExp> = { words: CHUNK, spaced: SPACED_CHUNK, refs: REFS_CHUNK };

/** The JSON form of a tokenizer (saved beside the model as `tokenizer.json`). */
export const TokenizerJson = Schema.Struct({
	format: Schema.Literal("stepwise-tokenizer"),
	version: Schema.Literal(TOKENIZER_VERSION),
	specials: Schema.Array(Schema.String),
	/** Learned pieces (words, single characters, whitespace runs), in id order after the bytes. */
	pieces: Schema.Array(Schema.String),
	/** The pre-tokenisation; absent: `words`. */
	chunking: Schema.optionalKey(Schema.Literals(["spaced", "refs"])),
});
export type TokenizerJson = typeof TokenizerJson.Type;

/** Options of {@link buildTokenizer}. */
export interface BuildTokenizerOptions {
	/** Upper bound on the vocabulary size, specials and byte tokens included (default 1024). */
	readonly maxVocab?: number;
	/** A multi-character chunk needs at least this many occurrences to become a piece (default 2). */
	readonly minCount?: number;
	/** The pre-tokenisation (default `words`). */
	readonly chunking?: Chunking;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: false });

/** Split text into the pre-tokenisation chunks. */
export const chunkText = (text: string, chunking: Chunking = "words"): string[] => text.match(CHUNKS[chunking]) ?? [];

/**
 * A deterministic word/character tokenizer with byte fallback, built from environment text:
 * ids `0..6` are the specials, `7..262` the 256 bytes, then the learned pieces. Any string encodes
 * (unknown characters become their UTF-8 bytes) and `decode(encode(s)) === s` for every string
 * that is well-formed UTF-16.
 */
export class Tokenizer {
	readonly vocabSize: number;
	private readonly pieceIds: Map<string, number>;
	private readonly idText: string[];
	private readonly cache = new Map<string, number[]>();

	constructor(
		readonly pieces: ReadonlyArray<string>,
		readonly chunking: Chunking = "words",
	) {
		this.pieceIds = new Map();
		this.idText = [...SPECIAL_TOKENS];
		for (let b = 0; b < BYTE_TOKENS; b++) this.idText.push(`<0x${b.toString(16).padStart(2, "0")}>`);
		pieces.forEach((p, i) => {
			if (this.pieceIds.has(p)) throw new Error(`tokenizer: duplicate piece ${JSON.stringify(p)}`);
			this.pieceIds.set(p, PIECE_OFFSET + i);
			this.idText.push(p);
		});
		this.vocabSize = PIECE_OFFSET + pieces.length;
	}

	/** The id of a special token. */
	special(token: SpecialToken): number {
		return SPECIAL_TOKENS.indexOf(token);
	}

	get pad(): number {
		return 0;
	}
	get bos(): number {
		return 1;
	}
	get actStart(): number {
		return 5;
	}
	get actEnd(): number {
		return 6;
	}

	/** The ids of all special tokens. */
	specialIds(): number[] {
		return SPECIAL_TOKENS.map((_, i) => i);
	}

	/** True for the special-token ids. */
	isSpecial(id: number): boolean {
		return id >= 0 && id < BYTE_OFFSET;
	}

	/** Encode plain text (special-token strings in it are encoded as text, never as specials). */
	encode(text: string): number[] {
		const out: number[] = [];
		for (const chunk of chunkText(text, this.chunking)) {
			const cached = this.cache.get(chunk);
			if (cached !== undefined) {
				for (const id of cached) out.push(id);
				continue;
			}
			const ids = this.encodeChunk(chunk);
			if (this.cache.size < 100_000) this.cache.set(chunk, ids);
			for (const id of ids) out.push(id);
		}
		return out;
	}

	private encodeChunk(chunk: string): number[] {
		const whole = this.pieceIds.get(chunk);
		if (whole !== undefined) return [whole];
		const ids: number[] = [];
		for (const ch of chunk) {
			const id = this.pieceIds.get(ch);
			if (id !== undefined) ids.push(id);
			else for (const b of utf8.encode(ch)) ids.push(BYTE_OFFSET + b);
		}
		return ids;
	}

	/**
	 * Decode ids to text. Specials are dropped unless `keepSpecials`; runs of byte tokens are decoded
	 * as UTF-8 (malformed runs, which a sampling policy can produce, become U+FFFD); ids outside the
	 * vocabulary are dropped.
	 */
	decode(ids: ReadonlyArray<number>, keepSpecials = false): string {
		let text = "";
		let bytes: number[] = [];
		const flush = () => {
			if (bytes.length > 0) text += utf8Decoder.decode(new Uint8Array(bytes));
			bytes = [];
		};
		for (const id of ids) {
			if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) continue;
			if (id >= BYTE_OFFSET && id < PIECE_OFFSET) {
				bytes.push(id - BYTE_OFFSET);
				continue;
			}
			flush();
			if (id < BYTE_OFFSET) {
				if (keepSpecials) text += this.idText[id];
			} else text += this.idText[id];
		}
		flush();
		return text;
	}

	/** The display text of one id (specials as `<act>`, bytes as `<0x41>`). */
	tokenText(id: number): string {
		return this.idText[id] ?? `<unk:${id}>`;
	}

	/** The JSON form (see {@link TokenizerJson}). */
	toJSON(): TokenizerJson {
		return {
			format: "stepwise-tokenizer",
			version: TOKENIZER_VERSION,
			specials: [...SPECIAL_TOKENS],
			pieces: [...this.pieces],
			...(this.chunking !== "words" ? { chunking: this.chunking } : {}),
		};
	}

	/** Rebuild from the JSON form; throws when the specials differ from this version's. */
	static fromJSON(json: TokenizerJson): Tokenizer {
		if (json.specials.length !== SPECIAL_TOKENS.length || json.specials.some((s, i) => s !== SPECIAL_TOKENS[i]))
			throw new Error(
				`tokenizer: special tokens ${JSON.stringify(json.specials)} differ from ${JSON.stringify(SPECIAL_TOKENS)}`,
			);
		return new Tokenizer(json.pieces, json.chunking ?? "words");
	}
}

/**
 * Build a tokenizer from a corpus of environment text (prompts, observations, actions). Every
 * character seen becomes a piece; multi-character chunks seen at least `minCount` times become
 * pieces, most frequent first (ties by code-unit order), until `maxVocab`. Deterministic: the same
 * corpus (in any order) gives the same tokenizer.
 */
export const buildTokenizer = (corpus: Iterable<string>, options: BuildTokenizerOptions = {}): Tokenizer => {
	const maxVocab = options.maxVocab ?? 1024;
	const minCount = options.minCount ?? 2;
	const chunking = options.chunking ?? "words";
	const chars = new Map<string, number>();
	const words = new Map<string, number>();
	for (const text of corpus) {
		for (const chunk of chunkText(text, chunking)) {
			for (const ch of chunk) chars.set(ch, (chars.get(ch) ?? 0) + 1);
			if ([...chunk].length > 1) words.set(chunk, (words.get(chunk) ?? 0) + 1);
		}
	}
	const byCount = (a: [string, number], b: [string, number]) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
	const budget = Math.max(0, maxVocab - PIECE_OFFSET);
	const charPieces = [...chars]
		.sort(byCount)
		.slice(0, budget)
		.map(([c]) => c);
	const wordPieces = [...words]
		.filter(([, n]) => n >= minCount)
		.sort(byCount)
		.slice(0, Math.max(0, budget - charPieces.length))
		.map(([w]) => w);
	return new Tokenizer([...charPieces, ...wordPieces], chunking);
};
