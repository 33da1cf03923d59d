import { describe, expect, test } from "bun:test";
import { hashSeed, Rng } from "../src/index.ts";

describe("Rng", () => {
	test("is deterministic in its seed and differs across seeds", () => {
		const a = new Rng(42);
		const b = new Rng(42);
		const c = new Rng(43);
		const xs = Array.from({ length: 100 }, () => a.nextUint32());
		expect(Array.from({ length: 100 }, () => b.nextUint32())).toEqual(xs);
		expect(Array.from({ length: 100 }, () => c.nextUint32())).not.toEqual(xs);
	});

	test("is roughly uniform", () => {
		const rng = new Rng(1);
		const counts = new Array(10).fill(0);
		for (let i = 0; i < 100_000; i++) counts[rng.int(10)]++;
		for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
	});

	test("shuffle is a permutation; fork does not advance the parent", () => {
		const rng = new Rng(3);
		expect(
			rng
				.shuffle([1, 2, 3, 4, 5])
				.slice()
				.sort((x, y) => x - y),
		).toEqual([1, 2, 3, 4, 5]);
		const copy = new Rng(9);
		const parent = new Rng(9);
		parent.fork("child").next();
		expect(parent.next()).toBe(copy.next());
	});

	test("hashSeed separates labels and types", () => {
		expect(hashSeed(0, "train", 3)).not.toBe(hashSeed(0, "test", 3));
		expect(hashSeed(1)).not.toBe(hashSeed("1"));
		expect(hashSeed(0, "train", 3)).toBe(hashSeed(0, "train", 3));
	});

	test("state / fromState: a restored generator continues the sequence; a bad state is refused", () => {
		const a = new Rng(42);
		for (let i = 0; i < 7; i++) a.next();
		const b = Rng.fromState(JSON.parse(JSON.stringify(a.state())) as number[]);
		expect(Array.from({ length: 20 }, () => b.nextUint32())).toEqual(Array.from({ length: 20 }, () => a.nextUint32()));
		expect(() => Rng.fromState([1, 2, 3])).toThrow(/four uint32/);
		expect(() => Rng.fromState([1, 2, 3, -1])).toThrow(/four uint32/);
	});
});
