/**
 * Group statistics shared by the group-relative methods: per-cluster mean and sample std, computed
 * with compensated summation, with the exact-zero rule for clusters whose values are all equal.
 */

/** How a value is normalised inside its cluster. */
export interface NormaliseOptions {
	/** Divide the centred value by `σ + epsilon` (verl-agent `mean_std_norm`); else only centre (`mean_norm`). */
	readonly scaleByStd: boolean;
	readonly epsilon: number;
	/**
	 * Rule for clusters of one value. `"raw"`: μ = 0, σ = 1, so the value passes through un-centred
	 * (verl-agent's episode level and GRPO). `"zero"`: μ = the value, so the result is 0 (GiGPO's step level).
	 */
	readonly singleton: "raw" | "zero";
	/** Multiply the centred value by n/(n−1) (RLOO's leave-one-out form). Ignored for singletons. */
	readonly leaveOneOut?: boolean;
}

/** Per-cluster moments. */
export interface ClusterStats {
	readonly count: Int32Array;
	/** The cluster's first value: deviations are taken from it first, then from the shifted mean. */
	readonly pivot: Float64Array;
	/** mean − pivot, so that `x − μ = (x − pivot) − shift` keeps the precision of the spread, not of |μ|. */
	readonly shift: Float64Array;
	/** Sample (n−1) standard deviation; 0 for clusters of one value. */
	readonly std: Float64Array;
	/** 1 when every value of the cluster is identical. */
	readonly constant: Uint8Array;
}

/** `x − μ` for a value of cluster c, computed on pivot-shifted data. */
const deviation = (st: ClusterStats, c: number, x: number): number =>
	x - (st.pivot[c] as number) - (st.shift[c] as number);

/**
 * Mean and sample std of `values` per cluster (`clusterOf[i]` in `0 .. nClusters-1`). Values are
 * shifted by the cluster's first value and summed with Neumaier compensation, so deviations from the
 * mean are accurate to the rounding of the spread even when the values are large and close.
 */
export const clusterStats = (
	values: ArrayLike<number>,
	clusterOf: ArrayLike<number>,
	nClusters: number,
): ClusterStats => {
	const count = new Int32Array(nClusters);
	const sum = new Float64Array(nClusters);
	const comp = new Float64Array(nClusters);
	const pivot = new Float64Array(nClusters);
	const constant = new Uint8Array(nClusters).fill(1);
	const n = values.length;
	for (let i = 0; i < n; i++) {
		const c = clusterOf[i] as number;
		const x = values[i] as number;
		if ((count[c] as number) === 0) pivot[c] = x;
		else if (x !== pivot[c]) constant[c] = 0;
		count[c] = (count[c] as number) + 1;
		const y = x - (pivot[c] as number);
		const s = sum[c] as number;
		const t = s + y;
		comp[c] = (comp[c] as number) + (Math.abs(s) >= Math.abs(y) ? s - t + y : y - t + s);
		sum[c] = t;
	}
	const shift = new Float64Array(nClusters);
	for (let c = 0; c < nClusters; c++) {
		const m = count[c] as number;
		shift[c] = m === 0 || constant[c] ? 0 : ((sum[c] as number) + (comp[c] as number)) / m;
	}
	const st = { count, pivot, shift, std: new Float64Array(nClusters), constant };
	const sq = new Float64Array(nClusters);
	for (let i = 0; i < n; i++) {
		const c = clusterOf[i] as number;
		const d = deviation(st, c, values[i] as number);
		sq[c] = (sq[c] as number) + d * d;
	}
	for (let c = 0; c < nClusters; c++) {
		const m = count[c] as number;
		st.std[c] = m > 1 && !constant[c] ? Math.sqrt((sq[c] as number) / (m - 1)) : 0;
	}
	return st;
};

/** The cluster mean μ (pivot + shift). */
export const clusterMean = (st: ClusterStats, c: number): number => (st.pivot[c] as number) + (st.shift[c] as number);

/**
 * Normalises each value against its cluster: `(x − μ)` or `(x − μ)/(σ + ε)`, with the singleton rule
 * of `options`. A cluster of two or more identical values gives exactly 0 (never a rounding residue
 * amplified by 1/ε, docs/credit/README.md).
 */
export const normaliseInClusters = (
	values: ArrayLike<number>,
	clusterOf: ArrayLike<number>,
	nClusters: number,
	options: NormaliseOptions,
): Float64Array => {
	const st = clusterStats(values, clusterOf, nClusters);
	const n = values.length;
	const out = new Float64Array(n);
	for (let i = 0; i < n; i++) {
		const c = clusterOf[i] as number;
		const m = st.count[c] as number;
		const x = values[i] as number;
		if (m === 1) {
			if (options.singleton === "zero") out[i] = 0;
			else out[i] = options.scaleByStd ? x / (1 + options.epsilon) : x;
			continue;
		}
		if (st.constant[c]) {
			out[i] = 0;
			continue;
		}
		let a = deviation(st, c, x);
		if (options.leaveOneOut) a *= m / (m - 1);
		out[i] = options.scaleByStd ? a / ((st.std[c] as number) + options.epsilon) : a;
	}
	return out;
};
