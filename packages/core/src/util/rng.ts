/**
 * Seeded randomness. Everything random in Stepwise (task generation, sampling, shuffles) draws from
 * an `Rng` whose seed is derived with `hashSeed` from the run seed and stable labels, never from
 * time, worker ids or iteration order, so the same seed gives the same tasks on any machine.
 */

/** 32-bit FNV-1a over the UTF-16 code units of a string. */
const fnv1a = (s: string, h = 0x811c9dc5): number => {
	for (let i = 0; i < s.length; i++) {
		h ^= s.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return h >>> 0;
};

/** A final avalanche (murmur3 fmix32). */
const fmix = (h: number): number => {
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	h ^= h >>> 16;
	return h >>> 0;
};

/**
 * Derive a uint32 seed from parts, e.g. `hashSeed(runSeed, "train", index)`.
 * @example hashSeed(0, "train", 3) !== hashSeed(0, "test", 3)
 */
export const hashSeed = (...parts: ReadonlyArray<string | number>): number => {
	let h = 0x811c9dc5;
	for (const p of parts) h = fnv1a(`${typeof p === "number" ? "n" : "s"}${p}\u0000`, h);
	return fmix(h);
};

/** sfc32: a small, fast generator with a 128-bit state that passes PractRand for our purposes. */
export class Rng {
	private a: number;
	private b: number;
	private c: number;
	private d: number;

	constructor(seed: number) {
		this.a = 0x9e3779b9;
		this.b = 0x243f6a88;
		this.c = 0xb7e15162;
		this.d = seed >>> 0;
		for (let i = 0; i < 15; i++) this.nextUint32();
	}

	/** The generator's whole state (four uint32 words), to save and {@link Rng.fromState} later. */
	state(): [number, number, number, number] {
		return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
	}

	/** A generator that continues exactly where the one whose {@link Rng.state} this is stopped. */
	static fromState(state: ReadonlyArray<number>): Rng {
		if (state.length !== 4 || !state.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff))
			throw new RangeError(`Rng.fromState: expected four uint32 words, got ${JSON.stringify(state)}`);
		const rng = new Rng(0);
		[rng.a, rng.b, rng.c, rng.d] = state.map((w) => w | 0) as [number, number, number, number];
		return rng;
	}

	/** A uniform uint32. */
	nextUint32(): number {
		const t = (((this.a + this.b) | 0) + this.d) | 0;
		this.d = (this.d + 1) | 0;
		this.a = this.b ^ (this.b >>> 9);
		this.b = (this.c + (this.c << 3)) | 0;
		this.c = (this.c << 21) | (this.c >>> 11);
		this.c = (this.c + t) | 0;
		return t >>> 0;
	}

	/** A uniform float in [0, 1). */
	next(): number {
		return this.nextUint32() / 4294967296;
	}

	/** A uniform integer in [0, n). */
	int(n: number): number {
		if (!(n > 0)) throw new RangeError(`Rng.int: n must be positive, got ${n}`);
		return Math.floor(this.next() * n);
	}

	/** A uniform integer in [lo, hi] (inclusive). */
	range(lo: number, hi: number): number {
		return lo + this.int(hi - lo + 1);
	}

	/** True with probability p. */
	chance(p: number): boolean {
		return this.next() < p;
	}

	/** A uniform element of a non-empty array. */
	pick<T>(items: ReadonlyArray<T>): T {
		if (items.length === 0) throw new RangeError("Rng.pick: empty array");
		return items[this.int(items.length)] as T;
	}

	/** A new array with the items in uniformly random order (Fisher–Yates). */
	shuffle<T>(items: ReadonlyArray<T>): T[] {
		const out = items.slice();
		for (let i = out.length - 1; i > 0; i--) {
			const j = this.int(i + 1);
			const tmp = out[i] as T;
			out[i] = out[j] as T;
			out[j] = tmp;
		}
		return out;
	}

	/** An independent stream for a labelled sub-task (does not advance this one). */
	fork(label: string | number): Rng {
		return new Rng(hashSeed(this.a, this.b, this.c, this.d, label));
	}
}

/** Deterministic N(0, std²) values from a seeded generator (Box–Muller): initial weights. */
export const normalArray = (rng: Rng, n: number, std: number): Float32Array => {
	const out = new Float32Array(n);
	for (let i = 0; i < n; i += 2) {
		const u = Math.max(rng.next(), 1e-12);
		const r = Math.sqrt(-2 * Math.log(u)) * std;
		const a = 2 * Math.PI * rng.next();
		out[i] = r * Math.cos(a);
		if (i + 1 < n) out[i + 1] = r * Math.sin(a);
	}
	return out;
};
