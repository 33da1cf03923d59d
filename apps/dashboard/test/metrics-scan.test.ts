import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { scanKeys, scanSeries } from "../src/metrics-scan.ts";
import { thin } from "../src/runs.ts";

const key = fc.oneof(
	fc.constantFrom("charts/success", "success", "losses/kl", "eval/success", 'a"b', "é/ü"),
	fc.string({ minLength: 1, maxLength: 8 }),
);
const value = fc.oneof(
	fc.double({ noNaN: true, noDefaultInfinity: true }),
	fc.integer(),
	fc.constant(null),
	fc.string(),
);
const row = fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.dictionary(key, value, { maxKeys: 6 }));

/** What `JSON.parse` of each row says a key's series is. */
const parsed = (lines: ReadonlyArray<string>, k: string) => {
	const x: number[] = [];
	const y: number[] = [];
	for (const l of lines) {
		const r = JSON.parse(l) as Record<string, unknown>;
		const v = Object.hasOwn(r, k) ? r[k] : undefined;
		if (typeof r.iteration === "number" && typeof v === "number" && Number.isFinite(v)) {
			x.push(r.iteration);
			y.push(v);
		}
	}
	return { x, y };
};

describe("scanSeries", () => {
	test("finds what JSON.parse finds, with or without spaces, whatever the other keys", () => {
		fc.assert(
			fc.property(fc.array(row, { maxLength: 12 }), key, fc.boolean(), (rows, k, spaced) => {
				const lines = rows.map(([it, rest]) => {
					const { iteration: _, ...others } = rest;
					return JSON.stringify({ iteration: it, ...others }, null, spaced ? 1 : undefined).replace(/\n/g, "");
				});
				expect(scanSeries(Buffer.from(lines.map((l) => `${l}\n`).join("")), k)).toEqual(parsed(lines, k));
			}),
			{ numRuns: 300 },
		);
	});

	test("a key's name inside a string value or inside a longer key is not that key", () => {
		const text = '{"iteration":1,"note":"\\"success\\":9","charts/success":0.5}\n{"iteration":2,"success":0.25}\n';
		expect(scanSeries(Buffer.from(text), "success")).toEqual({ x: [2], y: [0.25] });
		expect(scanSeries(Buffer.from(text), "charts/success")).toEqual({ x: [1], y: [0.5] });
	});

	test("the keys with numbers of every row", () => {
		const keys = new Set<string>();
		scanKeys('{"iteration":1,"a":1,"s":"x"}\n{"iteration":2,"b":2}\nnot json\n', keys);
		expect([...keys].sort()).toEqual(["a", "b"]);
	});
});

test("thin keeps at most max points, evenly spaced, first and last", () => {
	const s = { x: Array.from({ length: 10 }, (_, i) => i), y: Array.from({ length: 10 }, (_, i) => i * 2) };
	expect(thin(s, 4)).toEqual({ x: [0, 3, 6, 9], y: [0, 6, 12, 18] });
	expect(thin(s, 20)).toEqual(s);
});
