/**
 * Numbered names (the `names: numbered` option, spec `search/numbered-v0`): every name of the
 * encyclopedia that an episode has shown (in the question, then in the retrieved passages) gets a
 * number in order of first appearance; the compact prompt writes each mention as `#k` and an action
 * may write `#k` for the name (`search[#1 studied]`, `answer[#4]`). The invented names are spelt
 * letter by letter by the tokenizer, and a policy trained from scratch here had not learnt to copy
 * them (docs/environments/search.md); with numbers it still has to find which entity to search for
 * and which one answers, but not to spell it. Exact match is scored on the name a number stands for.
 *
 * The env and the prompt build the same table from the same texts: the question, then every
 * observation in order (the spec's history window holds the whole episode).
 */

/** Finds the encyclopedia's names in text: longest name first at each word start. */
export interface NameMatcher {
	/** The names in `text` in order of appearance, with their positions (longest match, no overlaps). */
	find(text: string): ReadonlyArray<{ readonly name: string; readonly at: number }>;
}

const isLetter = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/** A matcher over a list of names (the world's entity names). */
export const nameMatcher = (names: Iterable<string>): NameMatcher => {
	const byFirstWord = new Map<string, string[]>();
	for (const name of names) {
		const first = name.split(" ")[0] as string;
		const list = byFirstWord.get(first) ?? [];
		list.push(name);
		byFirstWord.set(first, list);
	}
	for (const list of byFirstWord.values()) list.sort((a, b) => b.length - a.length);
	return {
		find(text) {
			const out: { name: string; at: number }[] = [];
			const word = /[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu;
			for (let m = word.exec(text); m !== null; m = word.exec(text)) {
				const at = m.index;
				const candidates = byFirstWord.get(m[0]) ?? byFirstWord.get(m[0].replace(/['’]s$/u, ""));
				const name = candidates?.find((n) => text.startsWith(n, at) && !isLetter(text[at + n.length]));
				if (name === undefined) continue;
				out.push({ name, at });
				word.lastIndex = at + name.length;
			}
			return out;
		},
	};
};

/**
 * The episode's name table: the names of `texts` in order of first appearance (number k is entry
 * k - 1), after those of an earlier table `from`.
 */
export const nameTable = (
	matcher: NameMatcher,
	texts: Iterable<string>,
	from: ReadonlyArray<string> = [],
): string[] => {
	const table = [...from];
	for (const text of texts) for (const { name } of matcher.find(text)) if (!table.includes(name)) table.push(name);
	return table;
};

/** `text` with every mention of a table name written `#k` (names not in the table stay as they are). */
export const numberNames = (matcher: NameMatcher, table: ReadonlyArray<string>, text: string): string => {
	let out = "";
	let from = 0;
	for (const { name, at } of matcher.find(text)) {
		const k = table.indexOf(name);
		if (k < 0) continue;
		out += `${text.slice(from, at)}#${k + 1}`;
		from = at + name.length;
	}
	return out + text.slice(from);
};

/**
 * `text` with every `#k` written as the name it stands for; `undefined` when a `#k` names no entry
 * of the table (the action is then invalid).
 */
export const resolveNames = (table: ReadonlyArray<string>, text: string): string | undefined => {
	let bad = false;
	const out = text.replace(/#(\d{1,4})(?!\d)/g, (_, k: string) => {
		const name = table[Number(k) - 1];
		if (name === undefined) bad = true;
		return name ?? "";
	});
	return bad ? undefined : out;
};
