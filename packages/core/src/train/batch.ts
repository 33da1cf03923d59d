import * as tf from "@tensorflow/tfjs-core";
import { batchTrajectories, type StepRows, tokenLayout, toStepRows } from "../credit/rows.ts";
import type { PolicyModel } from "../policy/policy-model.ts";
import { type ScoreHelpers, type ScoreOptions, type SequenceScores, scoreSequences } from "../policy/score.ts";
import type { Trajectory, TrajectoryBatch } from "../trajectory/schema.ts";

/**
 * One step of a batch as a training sequence (docs/credit/README.md's "step row"): the prompt the policy saw
 * (left-truncated exactly as generation truncated it) followed by the generated action tokens.
 */
export interface TokenRow {
	/** Row index in batch order (group by group, trajectory by trajectory, step by step). */
	readonly row: number;
	/** Trajectory index in batch order. */
	readonly traj: number;
	/** Prompt tokens then action tokens. */
	readonly ids: ReadonlyArray<number>;
	/** Index in `ids` of the first action token. */
	readonly actionStart: number;
	/** Number of action tokens (0: the row carries no loss). */
	readonly actionLen: number;
}

/** A batch flattened to rows, with the index maps the trainers need. */
export interface RowBatch {
	/** The batch's step rows (the credit methods' view): token row i is step row i. */
	readonly steps: StepRows;
	readonly rows: ReadonlyArray<TokenRow>;
	/** The trajectories in batch order. */
	readonly trajectories: ReadonlyArray<Trajectory>;
	/** Rows of trajectory k are `trajStart[k] .. trajStart[k+1]−1` (`steps.trajStart`). */
	readonly trajStart: Int32Array;
	/** Action tokens of row i are `tokenStart[i] .. tokenStart[i+1]−1` in the flat token layout (`tokenLayout(steps)`). */
	readonly tokenStart: Int32Array;
}

/** How step rows are fitted to the model's context (as `generate` did when it produced them). */
export interface FitOptions {
	readonly contextLength: number;
	/** The rollouts' `maxNewTokens` (generation kept the last `contextLength − maxNewTokens` prompt tokens). */
	readonly maxNewTokens: number;
}

/** Number of step rows of a batch. */
export const rowCount = (batch: TrajectoryBatch): number =>
	batch.groups.reduce((s, g) => s + g.trajectories.reduce((u, t) => u + t.steps.length, 0), 0);

/**
 * Flatten a batch into token rows: step row i of `toStepRows(batch)` (the rows credit methods
 * score) becomes token row i. The prompt keeps its last
 * `min(contextLength − maxNewTokens, contextLength − actionLen)` tokens.
 */
export const toRowBatch = (batch: TrajectoryBatch, fit: FitOptions): RowBatch => {
	const steps = toStepRows(batch);
	const trajectories = batchTrajectories(batch).map((t) => t.trajectory);
	const rows: TokenRow[] = new Array(steps.size);
	const C = fit.contextLength;
	trajectories.forEach((tr, k) => {
		tr.steps.forEach((s, j) => {
			const row = (steps.trajStart[k] as number) + j;
			const action = s.actionIds.length < C ? s.actionIds : [];
			const room = Math.max(1, Math.min(C - fit.maxNewTokens, C - action.length));
			const prompt = s.promptIds.length > room ? s.promptIds.slice(s.promptIds.length - room) : s.promptIds;
			rows[row] = { row, traj: k, ids: [...prompt, ...action], actionStart: prompt.length, actionLen: action.length };
		});
	});
	return { steps, rows, trajectories, trajStart: steps.trajStart, tokenStart: tokenLayout(steps) };
};

/** Per-token columns of a mini-batch, in the flat token layout of {@link RowBatch.tokenStart}. */
export type TokenColumns = Readonly<Record<string, ArrayLike<number>>>;

/** A mini-batch of rows as tensors aligned with `evaluateTokens`' `[B, T−1]` log-prob positions. */
export interface PackedRows {
	/** `[B, T]` ids (right-padded). */
	readonly ids: tf.Tensor2D;
	/** `[B, T−1]` 1 where the predicted token is an action token. */
	readonly mask: tf.Tensor2D;
	/** Each column as `[B, T−1]` (token j of row b at position `actionStart − 1 + j`). */
	readonly columns: Readonly<Record<string, tf.Tensor2D>>;
	/** Number of action tokens in the mini-batch. */
	readonly tokens: number;
	/** Flat index (`b·T + pos`) of each row's last action token in `[B, T]` outputs (−1 for an empty row). */
	readonly lastIndex: ReadonlyArray<number>;
}

/**
 * {@link PackedRows} as plain arrays (structured-clonable: what a gradient worker receives). `ids`
 * is `[B, T]` row-major; `mask` and each column `[B, T−1]`.
 */
export interface PackedArrays {
	readonly B: number;
	readonly T: number;
	readonly ids: Int32Array;
	readonly mask: Float32Array;
	readonly columns: Readonly<Record<string, Float32Array>>;
	readonly tokens: number;
	readonly lastIndex: ReadonlyArray<number>;
}

/**
 * Pack rows into arrays: ids, the action-token mask and the named per-token columns (read from the
 * flat token layout through `tokenStart`).
 */
export const packRowArrays = (
	rows: ReadonlyArray<TokenRow>,
	tokenStart: ArrayLike<number>,
	columns: TokenColumns = {},
	pad = 0,
): PackedArrays => {
	const B = rows.length;
	const T = Math.max(2, ...rows.map((r) => r.ids.length));
	const ids = new Int32Array(B * T).fill(pad);
	const mask = new Float32Array(B * (T - 1));
	const names = Object.keys(columns);
	const cols = names.map(() => new Float32Array(B * (T - 1)));
	const lastIndex: number[] = [];
	let tokens = 0;
	rows.forEach((r, b) => {
		ids.set(r.ids, b * T);
		const first = tokenStart[r.row] as number;
		for (let j = 0; j < r.actionLen; j++) {
			const pos = b * (T - 1) + r.actionStart - 1 + j;
			mask[pos] = 1;
			names.forEach((n, c) => {
				(cols[c] as Float32Array)[pos] = (columns[n] as ArrayLike<number>)[first + j] as number;
			});
		}
		tokens += r.actionLen;
		lastIndex.push(r.actionLen > 0 ? b * T + r.actionStart + r.actionLen - 1 : -1);
	});
	return {
		B,
		T,
		ids,
		mask,
		columns: Object.fromEntries(names.map((n, c) => [n, cols[c] as Float32Array])),
		tokens,
		lastIndex,
	};
};

/** {@link PackedArrays} as tensors. Dispose the result with {@link disposePacked}. */
export const packedTensors = (a: PackedArrays): PackedRows => {
	const out: Record<string, tf.Tensor2D> = {};
	for (const [n, col] of Object.entries(a.columns)) out[n] = tf.tensor2d(col, [a.B, a.T - 1]);
	return {
		ids: tf.tensor2d(a.ids, [a.B, a.T], "int32"),
		mask: tf.tensor2d(a.mask, [a.B, a.T - 1]),
		columns: out,
		tokens: a.tokens,
		lastIndex: a.lastIndex,
	};
};

/**
 * Pack rows into tensors: ids, the action-token mask and the named per-token columns (read from the
 * flat token layout through `tokenStart`). Dispose the result with {@link disposePacked}.
 */
export const packRows = (
	rows: ReadonlyArray<TokenRow>,
	tokenStart: ArrayLike<number>,
	columns: TokenColumns = {},
	pad = 0,
): PackedRows => packedTensors(packRowArrays(rows, tokenStart, columns, pad));

/** Dispose the tensors of {@link packRows}. */
export const disposePacked = (p: PackedRows): void => {
	p.ids.dispose();
	p.mask.dispose();
	for (const t of Object.values(p.columns)) t.dispose();
};

/**
 * The distinct rows of a list (same ids and action span) in first-seen order, and for each row the
 * index of its distinct representative.
 */
export const distinctRows = <R extends TokenRow>(
	rows: ReadonlyArray<R>,
	extraKey?: (row: R) => string,
): { readonly unique: R[]; readonly index: Int32Array } => {
	const seen = new Map<string, number>();
	const unique: R[] = [];
	const index = new Int32Array(rows.length);
	rows.forEach((r, k) => {
		const key = `${r.actionStart}|${r.ids.join(",")}${extraKey === undefined ? "" : `|${extraKey(r)}`}`;
		let u = seen.get(key);
		if (u === undefined) {
			u = unique.length;
			seen.set(key, u);
			unique.push(r);
		}
		index[k] = u;
	});
	return { unique, index };
};

/** What {@link scoreRows} returns, in the flat token layout. */
export interface RowScores {
	/** Log-prob of each action token under the model. */
	readonly logProbs: Float32Array;
	/** Value-head output at the position that predicts each action token (V of the state before it). */
	readonly values: Float32Array;
	/** Progress-head output at each row's last action token (NaN for a row without tokens). */
	readonly progress: Float32Array;
	/** Progress-head output at each row's last prompt token, before its action (NaN for a row without tokens). */
	readonly promptProgress: Float32Array;
}

/**
 * Score rows without gradient, in mini-batches of similar length: action-token log-probs (at
 * `temperature`), the value head before each action token and the progress head at each row's last
 * action token. Identical rows (same prompt and action: common, since a group's rollouts share
 * states) are scored once. `helpers` score shares of the batches (the same scores either way).
 */
export const scoreRows = (
	model: PolicyModel,
	batch: RowBatch,
	options: ScoreOptions = {},
	helpers?: ScoreHelpers,
): RowScores => {
	// sized by the token layout, so a batch may list a subset of its rows (the others stay 0 / NaN)
	const total = batch.tokenStart.length - 1;
	const n = batch.tokenStart[total] as number;
	const logProbs = new Float32Array(n);
	const values = new Float32Array(n);
	const progress = new Float32Array(total).fill(Number.NaN);
	const promptProgress = new Float32Array(total).fill(Number.NaN);
	const rows = batch.rows.filter((r) => r.actionLen > 0);
	const { unique, index } = distinctRows(rows);
	const scores = scoreSequences(
		model,
		unique.map((r) => r.ids),
		{ ...options, batchSize: options.batchSize ?? 64 },
		helpers,
	);
	rows.forEach((r, k) => {
		const sc = scores[index[k] as number] as SequenceScores;
		const first = batch.tokenStart[r.row] as number;
		for (let j = 0; j < r.actionLen; j++) {
			logProbs[first + j] = sc.logProbs[r.actionStart - 1 + j] as number;
			values[first + j] = sc.values[r.actionStart - 1 + j] as number;
		}
		progress[r.row] = sc.progress[r.actionStart + r.actionLen - 1] as number;
		promptProgress[r.row] = sc.progress[r.actionStart - 1] as number;
	});
	return { logProbs, values, progress, promptProgress };
};

/**
 * Per-row values as `ArrayLike<number>`: accepts a flat array aligned with the rows or the nested
 * `[group][trajectory][step]` shape, and checks the length.
 */
export const flattenPerRow = (
	values: ArrayLike<number> | ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>>,
	rows: number,
	what: string,
): Float64Array => {
	const flat =
		values.length > 0 && Array.isArray((values as ReadonlyArray<unknown>)[0])
			? Float64Array.from((values as ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>>).flat(2))
			: Float64Array.from(values as ArrayLike<number>);
	if (flat.length !== rows) throw new RangeError(`${what}: ${flat.length} values for ${rows} step rows`);
	for (let i = 0; i < flat.length; i++)
		if (!Number.isFinite(flat[i] as number)) throw new RangeError(`${what}: value ${i} is not finite (${flat[i]})`);
	return flat;
};
