import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { buildTokenizer, chunkText, SPECIAL_TOKENS, TOKENIZER_VERSION, Tokenizer } from "../../src/policy/index.ts";
import { Rng } from "../../src/util/rng.ts";

const corpus = [
	"######\n#_O_P#\n#__X_#\n######",
	"Your action: up",
	"push the box onto the target",
	"up down left right",
	"left left",
];

describe("tokenizer", () => {
	test("is deterministic and independent of corpus order", () => {
		const a = buildTokenizer(corpus);
		const b = buildTokenizer([...corpus].reverse());
		expect(b.toJSON()).toEqual(a.toJSON());
		expect(a.pieces).toContain("left");
		expect(a.vocabSize).toBe(SPECIAL_TOKENS.length + 256 + a.pieces.length);
	});

	test("round-trips corpus text with learned pieces", () => {
		const tok = buildTokenizer(corpus);
		for (const s of corpus) expect(tok.decode(tok.encode(s))).toBe(s);
		expect(tok.encode("left")).toEqual([tok.pieces.indexOf("left") + SPECIAL_TOKENS.length + 256]);
	});

	test("falls back to bytes for unseen characters, and round-trips any well-formed string", () => {
		const tok = buildTokenizer(corpus);
		const s = "héllo 🦀 \u0000\t\r\n中文 <act></act>";
		const ids = tok.encode(s);
		expect(ids.some((id) => id >= SPECIAL_TOKENS.length && id < SPECIAL_TOKENS.length + 256)).toBe(true);
		expect(tok.decode(ids)).toBe(s);
		// special-token strings in text are plain text, never specials
		expect(ids.some((id) => tok.isSpecial(id))).toBe(false);
		fc.assert(
			fc.property(fc.string({ unit: "grapheme-ascii", maxLength: 60 }), (x) => tok.decode(tok.encode(x)) === x),
			{ numRuns: 200, seed: 7 },
		);
		// random code points from every plane (astral, controls, unassigned), seeded
		const rng = new Rng(8);
		for (let i = 0; i < 300; i++) {
			const cps = Array.from({ length: rng.int(30) }, () => {
				const cp = rng.chance(0.5) ? rng.int(0x80) : rng.int(0x110000);
				return cp >= 0xd800 && cp < 0xe000 ? 0x41 : cp;
			});
			const x = String.fromCodePoint(...cps);
			expect(tok.decode(tok.encode(x))).toBe(x);
		}
	});

	test("grid rows stay one token per cell; lower-case words are single pieces", () => {
		const tok = buildTokenizer(corpus);
		expect(chunkText("#_PX_#")).toEqual(["#", "_", "P", "X", "_", "#"]);
		expect(chunkText("Push XO onto")).toEqual(["Push", " ", "X", "O", " ", "onto"]);
		expect(tok.encode("#_O_P#").length).toBe(6);
	});

	test("chunks cover the whole text", () => {
		const s = "a1 b\n\n\t!?ü🦀\r\n";
		expect(chunkText(s).join("")).toBe(s);
	});

	test("decode drops specials unless asked and tolerates ids out of range and malformed bytes", () => {
		const tok = buildTokenizer(corpus);
		const ids = [tok.bos, ...tok.encode("up"), tok.actEnd, 99999, -1];
		expect(tok.decode(ids)).toBe("up");
		expect(tok.decode(ids, true)).toBe("<bos>up</act>");
		expect(tok.decode([SPECIAL_TOKENS.length + 0xff])).toBe("\uFFFD");
	});

	test("saves and loads as versioned JSON; a different special set is refused", () => {
		const tok = buildTokenizer(corpus, { maxVocab: 280 });
		const json = tok.toJSON();
		expect(json.version).toBe(TOKENIZER_VERSION);
		expect(json.format).toBe("stepwise-tokenizer");
		expect(tok.vocabSize).toBeLessThanOrEqual(280);
		const back = Tokenizer.fromJSON(JSON.parse(JSON.stringify(json)));
		expect(back.encode(corpus[0] as string)).toEqual(tok.encode(corpus[0] as string));
		expect(() => Tokenizer.fromJSON({ ...json, specials: ["<pad>"] })).toThrow(/special tokens/);
	});

	test("spaced chunking: a word or letter takes the one space before it; digits and symbols stay alone", () => {
		expect(chunkText("goal: high  protein bars $8.24\nb07u x", "spaced")).toEqual([
			"goal",
			":",
			" high",
			" ",
			" protein",
			" bars",
			" ",
			"$",
			"8",
			".",
			"2",
			"4",
			"\n",
			"b",
			"0",
			"7",
			"u",
			" x",
		]);
		expect(chunkText("\tTab  B07", "spaced")).toEqual(["\t", "Tab", " ", " B", "0", "7"]);
		fc.assert(
			fc.property(fc.string({ unit: "grapheme" }), (s) => chunkText(s, "spaced").join("") === s),
			{ numRuns: 300 },
		);
	});

	test("refs chunking: as spaced, and a reference (# with its digits) is one chunk", () => {
		expect(chunkText("#2: (born 1905 in #3) see #14.\nanswer[#17] ##5 #x", "refs")).toEqual([
			"#2",
			":",
			" ",
			"(",
			"born",
			" ",
			"1",
			"9",
			"0",
			"5",
			" in",
			" ",
			"#3",
			")",
			" see",
			" ",
			"#14",
			".",
			"\n",
			"answer",
			"[",
			"#17",
			"]",
			" ",
			"#",
			"#5",
			" ",
			"#",
			"x",
		]);
		fc.assert(
			fc.property(fc.string({ unit: "grapheme" }), (s) => chunkText(s, "refs").join("") === s),
			{ numRuns: 300 },
		);
		const text = ["search[#1 born]", "#1: born in #12", "#2: lives in #12", "answer[#12]"];
		const tok = buildTokenizer(text, { chunking: "refs" });
		expect(tok.encode("#12").length).toBe(1);
		expect(tok.encode(" #12")).toEqual([...tok.encode(" "), ...tok.encode("#12")]);
		expect(buildTokenizer(text, { chunking: "spaced" }).encode("#12").length).toBe(3);
		expect(tok.decode(tok.encode("answer[#12] #99"))).toBe("answer[#12] #99");
		const back = Tokenizer.fromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
		expect(back.toJSON().chunking).toBe("refs");
		expect(back.encode("search[#1 born]")).toEqual(tok.encode("search[#1 born]"));
	});

	test("a spaced tokenizer learns spaced words, round-trips, and keeps its chunking through JSON", () => {
		const text = [...corpus, "push the box", "push the box"];
		const tok = buildTokenizer(text, { chunking: "spaced" });
		expect(tok.encode("push the box").length).toBe(3);
		expect(buildTokenizer(text).encode("push the box").length).toBe(5);
		expect(tok.decode(tok.encode("left right wait"))).toBe("left right wait");
		const json = tok.toJSON();
		expect(json.chunking).toBe("spaced");
		expect(Tokenizer.fromJSON(JSON.parse(JSON.stringify(json))).encode("push the box")).toEqual(
			tok.encode("push the box"),
		);
		// the default tokenizer's JSON is unchanged: no chunking field
		expect("chunking" in buildTokenizer(corpus).toJSON()).toBe(false);
	});
});
