import { distinctRows, type TokenColumns, type TokenRow } from "./batch.ts";

/** A distinct row of a mini-batch standing for `count` identical step rows. */
export interface MergedRow extends TokenRow {
	readonly count: number;
}

/** A mini-batch with identical rows merged, in its own flat token layout. */
export interface MergedRows {
	readonly rows: ReadonlyArray<MergedRow>;
	readonly tokenStart: Int32Array;
	/**
	 * Per-token columns: the input columns other than `adv` (taken from the first of each set of
	 * duplicates), plus `w` (how many rows share the token), `wPos`/`wNeg` (how many of them have a
	 * positive/negative advantage there) and `advPos`/`advNeg` (the mean of those advantages).
	 */
	readonly columns: Readonly<Record<string, Float32Array>>;
}

/**
 * Merge the identical rows of a mini-batch (same prompt, same action and, with `keyColumns`, the
 * same values in those columns): a group's rollouts share states, so most step rows repeat
 * (e.g. 37 distinct of 307 in a Sokoban batch of 8×8 rollouts). The PPO-clip surrogate is linear in
 * the advantage for a given sign (A·min(r, clip r) for A > 0, A·min(c, max(r, clip r)) for A < 0),
 * so k duplicates are exactly one row with the sums of their positive and of their negative
 * advantages; entropy, KL and value terms are the same for each duplicate and only need the count
 * as a token weight. {@link runUpdate} uses this for `token-mean` aggregation, which makes the
 * update's cost scale with distinct rows instead of rows.
 */
export const mergeRows = (
	rows: ReadonlyArray<TokenRow>,
	tokenStart: ArrayLike<number>,
	columns: TokenColumns,
	keyColumns: ReadonlyArray<string> = [],
): MergedRows => {
	const adv = columns.adv;
	if (adv === undefined) throw new Error("mergeRows: the columns need `adv`");
	const key =
		keyColumns.length === 0
			? undefined
			: (r: TokenRow) => {
					const first = tokenStart[r.row] as number;
					return keyColumns
						.map((n) => Array.from({ length: r.actionLen }, (_, j) => (columns[n] as ArrayLike<number>)[first + j]))
						.join("|");
				};
	const { unique, index } = distinctRows(rows, key);
	const starts = new Int32Array(unique.length + 1);
	unique.forEach((r, u) => {
		starts[u + 1] = (starts[u] as number) + r.actionLen;
	});
	const n = starts[unique.length] as number;
	const out: Record<string, Float32Array> = {};
	for (const name of Object.keys(columns)) if (name !== "adv") out[name] = new Float32Array(n);
	unique.forEach((r, u) => {
		const from = tokenStart[r.row] as number;
		for (const name of Object.keys(out)) {
			const src = columns[name] as ArrayLike<number>;
			const dst = out[name] as Float32Array;
			for (let j = 0; j < r.actionLen; j++) dst[(starts[u] as number) + j] = src[from + j] as number;
		}
	});
	const w = new Float32Array(n);
	const wPos = new Float32Array(n);
	const wNeg = new Float32Array(n);
	const advPos = new Float32Array(n);
	const advNeg = new Float32Array(n);
	const counts = new Int32Array(unique.length);
	rows.forEach((r, k) => {
		const u = index[k] as number;
		counts[u] = (counts[u] as number) + 1;
		const from = tokenStart[r.row] as number;
		const to = starts[u] as number;
		for (let j = 0; j < r.actionLen; j++) {
			const a = adv[from + j] as number;
			w[to + j] = (w[to + j] as number) + 1;
			if (a > 0) {
				wPos[to + j] = (wPos[to + j] as number) + 1;
				advPos[to + j] = (advPos[to + j] as number) + a;
			} else if (a < 0) {
				wNeg[to + j] = (wNeg[to + j] as number) + 1;
				advNeg[to + j] = (advNeg[to + j] as number) + a;
			}
		}
	});
	for (let t = 0; t < n; t++) {
		if ((wPos[t] as number) > 0) advPos[t] = (advPos[t] as number) / (wPos[t] as number);
		if ((wNeg[t] as number) > 0) advNeg[t] = (advNeg[t] as number) / (wNeg[t] as number);
	}
	Object.assign(out, { w, wPos, wNeg, advPos, advNeg });
	return {
		rows: unique.map((r, u) => ({ ...r, row: u, count: counts[u] as number })),
		tokenStart: starts,
		columns: out,
	};
};

/** Σ of a column over the action tokens of some merged rows. */
export const columnSum = (m: MergedRows, rows: ReadonlyArray<MergedRow>, name: string): number => {
	const col = m.columns[name] as Float32Array;
	let s = 0;
	for (const r of rows) {
		const from = m.tokenStart[r.row] as number;
		for (let j = 0; j < r.actionLen; j++) s += col[from + j] as number;
	}
	return s;
};
