/**
 * One metric out of `metrics.jsonl` bytes without parsing whole rows. A run of 10,000 rows with 38
 * keys is 14 MB of JSON: `JSON.parse` of every row takes about 75 ms a file, while finding one key's
 * values with the native `Buffer.indexOf` takes about 8 ms, which is what lets a chart of 50 such
 * runs draw in about a second. Rows are flat objects of numbers (`{"iteration":3,"charts/success":0.5}`),
 * so a key's JSON string followed by `:` and preceded by `{` or `,` is that key's entry.
 */

const isSpace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0d;
const numberByte = (b: number): boolean =>
	(b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2b || b === 0x2e || b === 0x65 || b === 0x45;

/** The number after the key that ends at `at` (its closing quote + 1), or undefined when it is no key or no number. */
const valueAfterKey = (buf: Buffer, start: number, at: number, lineStart: number): number | undefined => {
	let b = start - 1;
	while (b >= lineStart && isSpace(buf[b] as number)) b--;
	if (buf[b] !== 0x7b && buf[b] !== 0x2c) return undefined; // `{` or `,`: a key, not a string value
	let i = at;
	while (isSpace(buf[i] as number)) i++;
	if (buf[i] !== 0x3a) return undefined; // `:`
	i++;
	while (isSpace(buf[i] as number)) i++;
	let j = i;
	while (j < buf.length && numberByte(buf[j] as number)) j++;
	if (j === i) return undefined;
	const v = Number(buf.toString("latin1", i, j));
	return Number.isFinite(v) ? v : undefined;
};

/** The first entry of `needle` (a key's JSON string) in line `[lineStart, lineEnd)`, as a number. */
const valueInLine = (buf: Buffer, needle: Buffer, lineStart: number, lineEnd: number): number | undefined => {
	for (let k = buf.indexOf(needle, lineStart); k >= 0 && k < lineEnd; k = buf.indexOf(needle, k + 1)) {
		const v = valueAfterKey(buf, k, k + needle.length, lineStart);
		if (v !== undefined) return v;
	}
	return undefined;
};

/**
 * `key`'s values by `iteration` in the whole lines of `buf` (a row without either, or with a value
 * that is not a finite number, is skipped), in file order.
 */
export const scanSeries = (buf: Buffer, key: string): { x: number[]; y: number[] } => {
	const needle = Buffer.from(JSON.stringify(key));
	const iteration = Buffer.from('"iteration"');
	const x: number[] = [];
	const y: number[] = [];
	let k = buf.indexOf(needle);
	while (k >= 0) {
		const lineStart = buf.lastIndexOf(0x0a, k) + 1;
		let lineEnd = buf.indexOf(0x0a, k);
		if (lineEnd < 0) lineEnd = buf.length;
		const v = valueInLine(buf, needle, lineStart, lineEnd);
		const it = key === "iteration" ? v : valueInLine(buf, iteration, lineStart, lineEnd);
		if (v !== undefined && it !== undefined) {
			x.push(it);
			y.push(v);
		}
		k = buf.indexOf(needle, lineEnd);
	}
	return { x, y };
};

/** The keys with a numeric value in any row of whole JSONL lines (rows that do not parse are skipped). */
export const scanKeys = (text: string, into: Set<string>): void => {
	for (const line of text.split("\n")) {
		if (line.length < 2) continue;
		let row: unknown;
		try {
			row = JSON.parse(line);
		} catch {
			continue;
		}
		if (typeof row !== "object" || row === null || Array.isArray(row)) continue;
		const r = row as Record<string, unknown>;
		for (const key in r) if (typeof r[key] === "number" && key !== "iteration") into.add(key);
	}
};
