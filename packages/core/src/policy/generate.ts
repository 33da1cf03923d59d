import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../util/rng.ts";
import { disposeCache, type KvCache, type PolicyModel } from "./policy-model.ts";

/** How to pick tokens. */
export interface SamplingOptions {
	/** Stop after this many new tokens even without the stop token. */
	readonly maxNewTokens: number;
	/**
	 * The token that ends the action span (`tokenizer.actEnd`), or several (a Hugging Face model's end
	 * ids); it is kept in the output.
	 */
	readonly stopToken: number | ReadonlyArray<number>;
	/** Padding id fed to finished rows and used for left padding (`tokenizer.pad`). */
	readonly padToken: number;
	/** Greedy decoding (argmax) for evaluation; when false, `rng` is required. */
	readonly greedy?: boolean;
	/** Softmax temperature for sampling (default 1); log-probs are reported at this temperature. */
	readonly temperature?: number;
	/** Nucleus sampling: sample from the smallest set of tokens with probability ≥ topP (default 1). */
	readonly topP?: number;
	/** Seeded generator for sampling (all rows draw from it, in row order). */
	readonly rng?: Rng;
	/** One seeded generator per row, instead of `rng`: a row's samples then do not depend on the other rows in the batch. */
	readonly rngs?: ReadonlyArray<Rng>;
	/**
	 * Rows decoded greedily inside a sampling call (true at their index); their log-probs are still
	 * reported at `temperature`, as the sampled rows' are.
	 */
	readonly greedyRows?: ReadonlyArray<boolean>;
	/** Use the KV cache (default true); false re-runs the full forward pass for every token. */
	readonly useCache?: boolean;
	/** Token ids never to sample (e.g. `<pad>`, `<bos>`); default none. */
	readonly banned?: ReadonlyArray<number>;
}

/** One row's generation. */
export interface Generation {
	/** The new tokens, the stop token included when it was produced. */
	readonly tokens: number[];
	/** Log-prob of each new token under the (temperature-scaled, untruncated) sampling distribution. */
	readonly logProbs: number[];
	/** The stop token was produced (else `maxNewTokens` or the context ran out). */
	readonly stopped: boolean;
	/** Prompt tokens dropped from the left to fit the context. */
	readonly truncatedPrompt: number;
}

/** Pick a token from one row of logits; returns [token, log-prob at temperature]. */
export const pickToken = (
	logits: Float32Array,
	offset: number,
	V: number,
	options: SamplingOptions,
	banned: Set<number>,
	rng: Rng | undefined = options.rng,
	greedyRow = false,
): [number, number] => {
	const tau = options.greedy ? 1 : (options.temperature ?? 1);
	let max = Number.NEGATIVE_INFINITY;
	let arg = 0;
	for (let i = 0; i < V; i++) {
		if (banned.has(i)) continue;
		const z = (logits[offset + i] as number) / tau;
		if (z > max) {
			max = z;
			arg = i;
		}
	}
	let sum = 0;
	for (let i = 0; i < V; i++) if (!banned.has(i)) sum += Math.exp((logits[offset + i] as number) / tau - max);
	const lse = max + Math.log(sum);
	const logProb = (i: number) => (logits[offset + i] as number) / tau - lse;
	if (options.greedy || greedyRow) return [arg, logProb(arg)];
	if (rng === undefined) throw new Error("generate: sampling needs an rng (or greedy: true)");
	const topP = options.topP ?? 1;
	let candidates: number[] = [];
	for (let i = 0; i < V; i++) if (!banned.has(i)) candidates.push(i);
	if (topP < 1) {
		candidates.sort((a, b) => logProb(b) - logProb(a) || a - b);
		let acc = 0;
		let keep = 0;
		while (keep < candidates.length && acc < topP) acc += Math.exp(logProb(candidates[keep++] as number));
		candidates = candidates.slice(0, Math.max(1, keep));
	}
	let total = 0;
	for (const i of candidates) total += Math.exp(logProb(i));
	let u = rng.next() * total;
	for (const i of candidates) {
		u -= Math.exp(logProb(i));
		if (u <= 0) return [i, logProb(i)];
	}
	const last = candidates[candidates.length - 1] as number;
	return [last, logProb(last)];
};

/** Last-position logits `[B, V]` of a forward pass (inside a tidy). */
const lastLogits = (model: PolicyModel, hidden: tf.Tensor3D): tf.Tensor2D => {
	const [B, T, D] = hidden.shape;
	return tf.reshape(model.logits(tf.slice(hidden, [0, T - 1, 0], [B, 1, D]) as tf.Tensor3D), [B, -1]) as tf.Tensor2D;
};

/** The rows of a generation so far, as {@link generateSteps} yields them after each decoding step. */
export type PartialGeneration = ReadonlyArray<{
	readonly tokens: ReadonlyArray<number>;
	readonly logProbs: ReadonlyArray<number>;
	readonly stopped: boolean;
}>;

/**
 * Batched generation: prompts are left-padded into one batch (padding masked, positions counted
 * from each row's first real token), then tokens are produced for all rows at once until every row
 * has produced the stop token or `maxNewTokens`. With the KV cache (default) each new token costs
 * one single-position forward pass; without it the whole sequence is re-run. Prompts too long for
 * the context keep their last tokens. Returns one {@link Generation} per prompt.
 */
export const generate = (
	model: PolicyModel,
	prompts: ReadonlyArray<ReadonlyArray<number>>,
	options: SamplingOptions,
): Generation[] => {
	const steps = generateSteps(model, prompts, options);
	for (;;) {
		const next = steps.next();
		if (next.done) return next.value;
	}
};

/**
 * {@link generate} one decoding step at a time: yields the rows so far after each step (one new
 * token per running row), returns the generations. A server streams tokens and lets other work run
 * between steps; stopping early (`return()`) frees the KV cache.
 */
export function* generateSteps(
	model: PolicyModel,
	prompts: ReadonlyArray<ReadonlyArray<number>>,
	options: SamplingOptions,
): Generator<PartialGeneration, Generation[], void> {
	const B = prompts.length;
	if (B === 0) return [];
	const C = model.config.contextLength;
	const V = model.config.vocabSize;
	const maxNew = Math.max(0, Math.min(options.maxNewTokens, C - 1));
	const room = C - maxNew;
	const rows = prompts.map((p) => (p.length > room ? p.slice(p.length - room) : p));
	const truncated = prompts.map((p, i) => p.length - (rows[i]?.length ?? 0));
	const Tp = Math.max(1, ...rows.map((r) => r.length));
	const padLeft = rows.map((r) => Tp - r.length);
	const seq: number[][] = rows.map((r, b) => [...new Array<number>(padLeft[b] as number).fill(options.padToken), ...r]);
	const out = rows.map(() => ({ tokens: [] as number[], logProbs: [] as number[], stopped: false }));
	const banned = new Set(options.banned ?? []);
	const stops = new Set(typeof options.stopToken === "number" ? [options.stopToken] : options.stopToken);
	const useCache = options.useCache ?? true;
	let cache: KvCache | undefined;
	try {
		for (let step = 0; step < maxNew; step++) {
			let logitsT: tf.Tensor2D;
			if (!useCache) {
				const L = seq[0]?.length ?? 0;
				const ids = tf.tensor2d(Int32Array.from(seq.flat()), [B, L], "int32");
				logitsT = tf.tidy(() => lastLogits(model, model.forward(ids, { padLeft }).hidden));
				ids.dispose();
			} else {
				const input = step === 0 ? seq.flat() : seq.map((s) => s[s.length - 1] as number);
				const T = step === 0 ? Tp : 1;
				const ids = tf.tensor2d(Int32Array.from(input), [B, T], "int32");
				const previous = cache;
				// typed arrays stay outside tf.tidy's result (tidy walks returned objects)
				let grid: { lines?: Int32Array; columns?: Int32Array } = {};
				const r = tf.tidy(() => {
					const f = model.forward(ids, { padLeft, returnCache: true, ...(previous ? { cache: previous } : {}) });
					const c = f.cache as KvCache;
					grid = c.lines && c.columns ? { lines: c.lines, columns: c.columns } : {};
					return { logits: lastLogits(model, f.hidden), k: [...c.k], v: [...c.v] };
				});
				ids.dispose();
				disposeCache(previous);
				cache = { k: r.k, v: r.v, length: (previous?.length ?? 0) + T, ...grid };
				logitsT = r.logits;
			}
			const data = logitsT.dataSync() as Float32Array;
			logitsT.dispose();
			let active = 0;
			for (let b = 0; b < B; b++) {
				const o = out[b] as (typeof out)[number];
				if (o.stopped) {
					seq[b]?.push(options.padToken);
					continue;
				}
				const [tok, lp] = pickToken(
					data,
					b * V,
					V,
					options,
					banned,
					options.rngs?.[b] ?? options.rng,
					options.greedyRows?.[b] ?? false,
				);
				o.tokens.push(tok);
				o.logProbs.push(lp);
				seq[b]?.push(tok);
				if (stops.has(tok)) o.stopped = true;
				else active++;
			}
			yield out;
			if (active === 0) break;
		}
	} finally {
		disposeCache(cache);
	}
	return out.map((o, b) => ({ ...o, truncatedPrompt: truncated[b] as number }));
}
