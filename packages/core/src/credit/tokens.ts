import { type StepRows, tokenLayout } from "./rows.ts";

/**
 * Per-step values on tokens: broadcasting a step's advantage over its action tokens, placing a
 * step's reward on its action's last token, GAE over token (or step) sequences and whitening. The
 * one home of this math: credit methods hand per-row values, and core puts them on tokens.
 */

/** Broadcasts a per-row value (a group-relative advantage) to every action token of its row. */
export const broadcastToTokens = (perRow: ArrayLike<number>, layout: ArrayLike<number>): Float64Array => {
	const rows = layout.length - 1;
	const out = new Float64Array(layout[rows] as number);
	for (let i = 0; i < rows; i++) out.fill(perRow[i] as number, layout[i] as number, layout[i + 1] as number);
	return out;
};

/**
 * Weight of step k's reward when it is placed on the tokens: `"none"` 1; `"steptool"` ⚠ (K − 1 − k),
 * K the trajectory's step count, as SPA's PPO trainer (inherited from StepTool) injects it — the last
 * step's reward gets weight 0 and early steps are up-weighted.
 */
export type StepRewardWeighting = "none" | "steptool";

/** Options of {@link placeStepRewards}. */
export interface PlaceOptions {
	/**
	 * Rows of sequence s are `sequenceStart[s] .. sequenceStart[s+1]−1` (default: the rows'
	 * trajectories). A reward never leaves its sequence.
	 */
	readonly sequenceStart?: ArrayLike<number>;
	readonly weighting?: StepRewardWeighting;
	/** The token layout (default `tokenLayout(rows)`). */
	readonly layout?: ArrayLike<number>;
}

/**
 * Places each step's reward on the last action token of its row (the PPO token reward). A row with
 * no action tokens hands its reward to the last token of the nearest earlier row of its sequence
 * that has tokens, else to the first token of the next one; a sequence with no tokens at all drops
 * its rewards. The `"steptool"` weight counts steps within the trajectory.
 */
export const placeStepRewards = (
	rows: Pick<StepRows, "size" | "traj" | "trajStart" | "responseLen">,
	stepRewards: ArrayLike<number>,
	options: PlaceOptions = {},
): Float64Array => {
	const layout = options.layout ?? tokenLayout(rows);
	const bounds = options.sequenceStart ?? rows.trajStart;
	const steptool = options.weighting === "steptool";
	const out = new Float64Array(layout[rows.size] as number);
	for (let s = 0; s + 1 < bounds.length; s++) {
		const i0 = bounds[s] as number;
		const i1 = bounds[s + 1] as number;
		let carry = 0; // rewards of leading token-less rows, waiting for the first row with tokens
		let lastToken = -1;
		for (let i = i0; i < i1; i++) {
			const k = rows.traj[i] as number;
			const w = steptool ? (rows.trajStart[k + 1] as number) - 1 - i : 1;
			const r = (stepRewards[i] as number) * w;
			const a = layout[i] as number;
			const b = layout[i + 1] as number;
			if (b > a) {
				lastToken = b - 1;
				out[lastToken] = (out[lastToken] as number) + r;
				if (carry !== 0) {
					out[a] = (out[a] as number) + carry;
					carry = 0;
				}
			} else if (lastToken >= 0) out[lastToken] = (out[lastToken] as number) + r;
			else carry += r;
		}
	}
	return out;
};

/** GAE's discount and trace parameters. */
export interface GaeOptions {
	/** Discount γ per element (verl-agent's PPO 1.0; SPA/StepTool 0.99). */
	readonly gamma: number;
	/** GAE λ (verl-agent 1.0; TRL 0.95). */
	readonly lambda: number;
}

/** Advantages and value targets. */
export interface GaeResult {
	readonly advantages: Float64Array;
	/** `advantages + values` (the critic's targets, before any whitening). */
	readonly returns: Float64Array;
}

/**
 * Generalised advantage estimation over independent sequences: `sequenceStart` (length =
 * sequences + 1) splits the elements (tokens, or step rows) into sequences — a whole trajectory, or
 * one step. Inside a sequence `δ_t = r_t + γ·V_{t+1} − V_t` (V after the last element is 0: no
 * bootstrapping, the episode ended or was cut with R = 0, as verl-agent does) and
 * `A_t = δ_t + γλ·A_{t+1}`; `returns = A + V`.
 */
export const gae = (
	rewards: ArrayLike<number>,
	values: ArrayLike<number>,
	sequenceStart: ArrayLike<number>,
	options: GaeOptions,
): GaeResult => {
	const n = rewards.length;
	if (values.length !== n) throw new RangeError(`gae: ${n} rewards but ${values.length} values`);
	const advantages = new Float64Array(n);
	const returns = new Float64Array(n);
	for (let s = 0; s + 1 < sequenceStart.length; s++) {
		const a = sequenceStart[s] as number;
		const b = sequenceStart[s + 1] as number;
		let last = 0;
		let nextValue = 0;
		for (let t = b - 1; t >= a; t--) {
			const v = values[t] as number;
			const delta = (rewards[t] as number) + options.gamma * nextValue - v;
			last = delta + options.gamma * options.lambda * last;
			advantages[t] = last;
			returns[t] = last + v;
			nextValue = v;
		}
	}
	return { advantages, returns };
};

/** The row bounds of GAE sequences: each trajectory's rows (`"trajectory"`), or every row alone (`"row"`). */
export const rowSequences = (rows: Pick<StepRows, "size" | "trajStart">, sequence: "trajectory" | "row"): Int32Array =>
	sequence === "trajectory" ? rows.trajStart : Int32Array.from({ length: rows.size + 1 }, (_, i) => i);

/** Options of {@link tokenGae}. */
export interface TokenGaeOptions extends GaeOptions {
	/** A whole trajectory's action tokens form one sequence (credit flows across steps), or each row's. */
	readonly sequence: "trajectory" | "row";
	readonly weighting?: StepRewardWeighting;
	/** The token layout (default `tokenLayout(rows)`). */
	readonly layout?: ArrayLike<number>;
}

/**
 * PPO's token-level credit: each step's reward on its action's last token ({@link placeStepRewards}
 * within its sequence), then {@link gae} over each sequence's tokens with critic values per token.
 * Returns the token advantages (not whitened), returns and the placed rewards.
 */
export const tokenGae = (
	rows: Pick<StepRows, "size" | "traj" | "trajStart" | "responseLen">,
	stepRewards: ArrayLike<number>,
	tokenValues: ArrayLike<number>,
	options: TokenGaeOptions,
): GaeResult & { readonly rewards: Float64Array } => {
	const layout = options.layout ?? tokenLayout(rows);
	const sequenceStart = rowSequences(rows, options.sequence);
	const rewards = placeStepRewards(rows, stepRewards, {
		sequenceStart,
		layout,
		...(options.weighting !== undefined ? { weighting: options.weighting } : {}),
	});
	const tokenStart = Int32Array.from(sequenceStart, (i) => layout[i] as number);
	return { ...gae(rewards, tokenValues, tokenStart, options), rewards };
};

/** verl's `masked_whiten` over all entries: `(x − mean)/sqrt(var + 1e-8)`, var unbiased. One entry is only centred. */
export const whiten = (x: ArrayLike<number>): Float64Array => {
	const n = x.length;
	const out = new Float64Array(n);
	if (n === 0) return out;
	let mean = 0;
	for (let i = 0; i < n; i++) mean += x[i] as number;
	mean /= n;
	let sq = 0;
	for (let i = 0; i < n; i++) sq += ((x[i] as number) - mean) ** 2;
	const variance = n > 1 ? sq / (n - 1) : 0;
	const scale = 1 / Math.sqrt(variance + 1e-8);
	for (let i = 0; i < n; i++) out[i] = ((x[i] as number) - mean) * scale;
	return out;
};
