/**
 * Plain-array statistics of the trainers' metrics: explained variance of the critic and summaries
 * of advantages and returns. (The token-level credit math is in `../credit/tokens.ts`.)
 */

/**
 * Explained variance `1 − Var(y − ŷ)/Var(y)` of predictions ŷ for targets y; NaN when the targets
 * do not vary beyond rounding (a batch where every episode won: returns equal up to float error,
 * which would otherwise divide by ~1e-30 and report −1e32).
 */
export const explainedVariance = (predicted: ArrayLike<number>, target: ArrayLike<number>): number => {
	const n = target.length;
	if (n === 0) return Number.NaN;
	let my = 0;
	let md = 0;
	for (let i = 0; i < n; i++) {
		my += target[i] as number;
		md += (target[i] as number) - (predicted[i] as number);
	}
	my /= n;
	md /= n;
	let vy = 0;
	let vd = 0;
	for (let i = 0; i < n; i++) {
		vy += ((target[i] as number) - my) ** 2;
		vd += ((target[i] as number) - (predicted[i] as number) - md) ** 2;
	}
	return vy <= 1e-12 * n * Math.max(1, my * my) ? Number.NaN : 1 - vd / vy;
};

/** Mean, population std, min and max of a list (zeros for an empty list). */
export const summary = (x: ArrayLike<number>): { mean: number; std: number; min: number; max: number } => {
	const n = x.length;
	if (n === 0) return { mean: 0, std: 0, min: 0, max: 0 };
	let mean = 0;
	let min = Number.POSITIVE_INFINITY;
	let max = Number.NEGATIVE_INFINITY;
	for (let i = 0; i < n; i++) {
		const v = x[i] as number;
		mean += v;
		if (v < min) min = v;
		if (v > max) max = v;
	}
	mean /= n;
	let sq = 0;
	for (let i = 0; i < n; i++) sq += ((x[i] as number) - mean) ** 2;
	return { mean, std: Math.sqrt(sq / n), min, max };
};
