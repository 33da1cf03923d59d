/**
 * Value normalisation for the PPO critic: running statistics of the returns (a parallel Welford
 * update per batch), so the critic regresses `(return − μ)/σ` — targets of unit scale whatever the
 * reward scale (WebShop ×10, SPA's bonuses) — and its outputs are mapped back with `v·σ + μ` before
 * GAE. Plain numbers, saved with the trainer state so a resumed run continues with the same
 * statistics.
 */

/** The running statistics (`count` 0: none yet, the identity map). */
export interface ValueNormState {
	readonly count: number;
	readonly mean: number;
	/** Population variance of the returns seen so far. */
	readonly variance: number;
}

/** No statistics yet: normalising is the identity. */
export const emptyValueNorm: ValueNormState = { count: 0, mean: 0, variance: 1 };

/** σ floor: a batch of equal returns keeps σ at 1e-4 instead of dividing by 0. */
const MIN_STD = 1e-4;

/** The statistics after also seeing `x` (Chan et al.'s parallel update: the same as over all values at once). */
export const updateValueNorm = (s: ValueNormState, x: ArrayLike<number>): ValueNormState => {
	const n = x.length;
	if (n === 0) return s;
	let mean = 0;
	for (let i = 0; i < n; i++) mean += x[i] as number;
	mean /= n;
	let m2 = 0;
	for (let i = 0; i < n; i++) m2 += ((x[i] as number) - mean) ** 2;
	if (s.count === 0) return { count: n, mean, variance: m2 / n };
	const total = s.count + n;
	const delta = mean - s.mean;
	const combined = s.variance * s.count + m2 + (delta * delta * s.count * n) / total;
	return { count: total, mean: s.mean + (delta * n) / total, variance: combined / total };
};

const std = (s: ValueNormState): number => (s.count === 0 ? 1 : Math.max(Math.sqrt(s.variance), MIN_STD));

/** `(x − μ)/σ` elementwise (the identity with no statistics). */
export const normalizeValues = (s: ValueNormState, x: ArrayLike<number>): Float64Array => {
	const sd = std(s);
	const mu = s.count === 0 ? 0 : s.mean;
	return Float64Array.from(x as ArrayLike<number>, (v) => (v - mu) / sd);
};

/** `v·σ + μ` elementwise, the inverse of {@link normalizeValues}. */
export const denormalizeValues = (s: ValueNormState, v: ArrayLike<number>): Float64Array => {
	const sd = std(s);
	const mu = s.count === 0 ? 0 : s.mean;
	return Float64Array.from(v as ArrayLike<number>, (x) => x * sd + mu);
};
