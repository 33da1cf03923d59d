/**
 * Exactness and speed of the two npm tokenizer libraries on the Hugging Face tokenizer fixtures
 * (`packages/core/test/fixtures/hf-tokenizers`, written by `scripts/hf-tokenizer-fixtures.py` from
 * the Python `tokenizers` library): `@huggingface/tokenizers` (pure TypeScript, what
 * `@stepwise/core/hf/tokenizer` uses, measured raw and through our `HfTokenizer`) and `tokenizers`
 * (the Rust library's Node bindings; not a dependency of the workspace, so install it first):
 *
 *   bun add --no-save tokenizers@0.23.2 && bun run apps/bench/src/hf-tokenizer-bench.ts [--passes 5]
 *
 * For each fixture tokenizer it prints the mismatches against the Python reference (encode of the
 * 2,000 reference strings, decode of their ids, decode of 300 random id sequences) and the encode
 * and decode time of a pass over the 2,000 strings.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import { Tokenizer as JsTokenizer } from "@huggingface/tokenizers";
import { HfTokenizer } from "@stepwise/core/hf/tokenizer";

const { values: a } = parseArgs({ options: { passes: { type: "string", default: "5" } } });
const passes = Number(a.passes);
const dir = join(import.meta.dir, "../../../packages/core/test/fixtures/hf-tokenizers");

interface Ref {
	strings: string[];
	tokenizers: Record<
		string,
		{
			ids: number[][];
			decoded: Record<string, string>;
			randomDecodes: { ids: number[]; text: string }[];
		}
	>;
}
const ref = JSON.parse(gunzipSync(readFileSync(join(dir, "reference.json.gz"))).toString("utf8")) as Ref;

/** The surface of the `tokenizers` package this bench uses (it is loaded by name, if installed). */
interface RustTokenizer {
	encode(s: string, pair: null, options: { addSpecialTokens: boolean }): Promise<{ getIds(): number[] }>;
	encodeBatch(s: string[], options: { addSpecialTokens: boolean }): Promise<{ getIds(): number[] }[]>;
	decode(ids: number[], skipSpecialTokens: boolean): Promise<string>;
}
let rust: { fromString(json: string): RustTokenizer } | undefined;
try {
	const name = "tokenizers";
	rust = ((await import(name)) as { Tokenizer: { fromString(json: string): RustTokenizer } }).Tokenizer;
} catch {
	console.log("tokenizers (Rust bindings) is not installed: bun add --no-save tokenizers@0.23.2");
}

interface Lib {
	readonly label: string;
	readonly encode: (s: string) => number[] | Promise<number[]>;
	readonly decode: (ids: number[]) => string | Promise<string>;
	readonly encodeAll?: (s: string[]) => Promise<number[][]>;
}

const same = (x: ReadonlyArray<number>, y: ReadonlyArray<number>) =>
	x.length === y.length && x.every((v, i) => v === y[i]);
const chars = ref.strings.reduce((n, s) => n + s.length, 0);

const time = async (f: () => Promise<void>): Promise<number> => {
	await f();
	const t0 = performance.now();
	for (let i = 0; i < passes; i++) await f();
	return (performance.now() - t0) / passes;
};

for (const [name, r] of Object.entries(ref.tokenizers)) {
	const json = readFileSync(join(dir, name, "tokenizer.json"), "utf8");
	const ours = HfTokenizer.fromJson({ tokenizer: JSON.parse(json) });
	const raw = new JsTokenizer(JSON.parse(json), { clean_up_tokenization_spaces: false });
	const libs: Lib[] = [
		{
			label: "@huggingface/tokenizers",
			encode: (s) => raw.encode(s, { add_special_tokens: false }).ids,
			decode: (ids) => (ids.length === 0 ? "" : raw.decode(ids)),
		},
		{
			label: "HfTokenizer (ours, over it)",
			encode: (s) => ours.encode(s, { addSpecialTokens: false }),
			decode: (ids) => ours.decode(ids),
		},
	];
	if (rust !== undefined) {
		const t = rust.fromString(json);
		libs.push({
			label: "tokenizers (Rust, async)",
			encode: async (s) => (await t.encode(s, null, { addSpecialTokens: false })).getIds(),
			decode: (ids) => t.decode(ids, false),
			encodeAll: async (s) => (await t.encodeBatch(s, { addSpecialTokens: false })).map((e) => e.getIds()),
		});
	}
	console.log(`${name} (${ref.strings.length} strings, ${chars} characters, ${passes} timed passes):`);
	for (const lib of libs) {
		let encodeBad = 0;
		let decodeBad = 0;
		let randomBad = 0;
		for (let i = 0; i < ref.strings.length; i++) {
			const s = ref.strings[i] as string;
			const ids = r.ids[i] as number[];
			if (!same(await lib.encode(s), ids)) encodeBad++;
			if ((await lib.decode(ids)) !== (r.decoded[String(i)] ?? s)) decodeBad++;
		}
		for (const d of r.randomDecodes) if ((await lib.decode(d.ids)) !== d.text) randomBad++;
		const encodeMs = await time(async () => {
			for (const s of ref.strings) await lib.encode(s);
		});
		const decodeMs = await time(async () => {
			for (const ids of r.ids) await lib.decode(ids);
		});
		const batch =
			lib.encodeAll === undefined
				? ""
				: `, batch encode ${(await time(async () => void (await lib.encodeAll?.(ref.strings)))).toFixed(0)} ms`;
		console.log(
			`  ${lib.label.padEnd(28)} mismatches: encode ${encodeBad}, decode ${decodeBad}, random decode ${randomBad}/${r.randomDecodes.length}; ` +
				`encode ${encodeMs.toFixed(0)} ms (${(chars / encodeMs / 1000).toFixed(2)} M chars/s), decode ${decodeMs.toFixed(0)} ms${batch}`,
		);
	}
}
