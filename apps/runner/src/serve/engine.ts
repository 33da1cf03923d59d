/**
 * The serving engine: rows (one per choice of a request) wait in a queue for a short window, then
 * every waiting row that decodes alike (greedy, or the same temperature / top-p, and the same token
 * budget) is generated in one batched `generate` call with the KV cache: requests from many clients
 * share forward passes. Each row samples from its own seeded stream, so its tokens do not depend
 * on the other rows of its batch; a greedy row gives the tokens `stepwise generate` gives.
 */
import type { Rng } from "@stepwise/core";
import type { Policy } from "@stepwise/core/policy/index";
import { type Generation, generateSteps } from "@stepwise/core/policy/index";
import * as tf from "@tensorflow/tfjs-core";

/** One row to generate. */
export interface Row {
	readonly promptIds: ReadonlyArray<number>;
	/** Most new tokens (the prompt and these must fit the context). */
	readonly maxNewTokens: number;
	readonly greedy: boolean;
	/** Softmax temperature of a sampled row (greedy rows report log-probs at temperature 1). */
	readonly temperature: number;
	readonly topP: number;
	/** The row's sampling stream (unused when greedy). */
	readonly rng: Rng;
	/** Alternatives to report per token (0: none). */
	readonly topLogprobs: number;
	/** Called with each new token as it is produced (streaming); the batch then lets I/O run between steps. */
	readonly onToken?: (token: number, logProb: number) => void;
}

/** A row's result. */
export interface RowResult extends Generation {
	/** Per new token, the `topLogprobs` most likely tokens and their log-probs. */
	readonly top: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
}

/** Counters of the work done (for the load test and `GET /stats`). */
export interface EngineStats {
	requests: number;
	rows: number;
	/** `generate` calls. */
	batches: number;
	/** Model forward passes (one per decoding step of a batch, plus a scoring pass for alternatives). */
	forwardPasses: number;
	/** Generated tokens. */
	tokens: number;
}

/** Options of the {@link Engine}. */
export interface EngineOptions {
	/** Most rows in one batch (default 64). */
	readonly maxBatch?: number;
	/** How long the first waiting row waits for others before its batch starts, in ms (default 5). */
	readonly windowMs?: number;
}

interface Waiting {
	readonly row: Row;
	readonly resolve: (r: RowResult) => void;
	readonly reject: (e: unknown) => void;
}

const batchKey = (r: Row): string =>
	`${r.greedy ? "greedy" : `${r.temperature}/${r.topP}`}/${r.maxNewTokens}/${r.topLogprobs > 0}`;

/** The batching generation engine of one policy. */
export class Engine {
	readonly stats: EngineStats = { requests: 0, rows: 0, batches: 0, forwardPasses: 0, tokens: 0 };
	private readonly queue: Waiting[] = [];
	private timer: ReturnType<typeof setTimeout> | undefined;
	private running = false;
	private readonly banned: number[];

	constructor(
		readonly policy: Policy,
		readonly options: EngineOptions = {},
	) {
		this.banned = [...policy.codec.bannedIds];
	}

	/** Generate the rows of one request (its `n` choices); they may share a batch with other requests' rows. */
	submit(rows: ReadonlyArray<Row>): Promise<RowResult[]> {
		this.stats.requests++;
		this.stats.rows += rows.length;
		const out = rows.map(
			(row) => new Promise<RowResult>((resolve, reject) => this.queue.push({ row, resolve, reject })),
		);
		this.schedule();
		return Promise.all(out);
	}

	private schedule(): void {
		if (this.running || this.timer !== undefined || this.queue.length === 0) return;
		this.timer = setTimeout(() => {
			this.timer = undefined;
			void this.drain();
		}, this.options.windowMs ?? 5);
	}

	/** Run batches until the queue is empty, letting the event loop take new requests between batches. */
	private async drain(): Promise<void> {
		this.running = true;
		try {
			while (this.queue.length > 0) {
				const first = this.queue[0] as Waiting;
				const key = batchKey(first.row);
				const batch: Waiting[] = [];
				const rest: Waiting[] = [];
				for (const w of this.queue)
					(batch.length < (this.options.maxBatch ?? 64) && batchKey(w.row) === key ? batch : rest).push(w);
				this.queue.splice(0, this.queue.length, ...rest);
				try {
					const results = await this.run(batch.map((w) => w.row));
					batch.forEach((w, i) => {
						w.resolve(results[i] as RowResult);
					});
				} catch (e) {
					for (const w of batch) w.reject(e);
				}
				await new Promise<void>((resolve) => setImmediate(resolve));
			}
		} finally {
			this.running = false;
			this.schedule();
		}
	}

	/**
	 * One batch: rows that decode alike. Streaming rows get each token as it is produced, and the
	 * event loop runs between decoding steps so their chunks go out (and new requests queue).
	 */
	private async run(rows: ReadonlyArray<Row>): Promise<RowResult[]> {
		const head = rows[0] as Row;
		const codec = this.policy.codec;
		const steps = generateSteps(
			this.policy.model,
			rows.map((r) => r.promptIds),
			{
				maxNewTokens: head.maxNewTokens,
				stopToken: codec.stopIds,
				padToken: codec.padId,
				banned: this.banned,
				...(head.greedy
					? { greedy: true }
					: { temperature: head.temperature, topP: head.topP, rngs: rows.map((r) => r.rng) }),
			},
		);
		const streaming = rows.some((r) => r.onToken !== undefined);
		const told = rows.map(() => 0);
		let gens: Generation[];
		try {
			for (;;) {
				const next = steps.next();
				if (next.done) {
					gens = next.value;
					break;
				}
				if (!streaming) continue;
				next.value.forEach((p, b) => {
					const onToken = (rows[b] as Row).onToken;
					for (; (told[b] as number) < p.tokens.length; told[b] = (told[b] as number) + 1)
						onToken?.(p.tokens[told[b] as number] as number, p.logProbs[told[b] as number] as number);
				});
				await new Promise<void>((resolve) => setImmediate(resolve));
			}
		} finally {
			// frees the KV cache when a step threw
			steps.return([]);
		}
		this.stats.batches++;
		this.stats.forwardPasses += Math.max(0, ...gens.map((g) => g.tokens.length));
		this.stats.tokens += gens.reduce((s, g) => s + g.tokens.length, 0);
		const k = Math.max(...rows.map((r) => r.topLogprobs));
		const top = k > 0 ? this.alternatives(rows, gens, head.greedy ? 1 : head.temperature) : undefined;
		return gens.map((g, i) => ({ ...g, top: top?.[i] ?? [] }));
	}

	/**
	 * Each row's `topLogprobs` most likely tokens at each generated position (the distribution the tokens were drawn
	 * from: temperature-scaled, specials other than `</act>` excluded), from one forward pass over
	 * the prompts and their generations.
	 */
	private alternatives(
		rows: ReadonlyArray<Row>,
		gens: ReadonlyArray<Generation>,
		tau: number,
	): Array<Array<Array<readonly [number, number]>>> {
		const seqs = rows.map((r, i) => [...r.promptIds, ...(gens[i] as Generation).tokens]);
		const T = Math.max(...seqs.map((s) => s.length));
		const padLeft = seqs.map((s) => T - s.length);
		const flat = seqs.flatMap((s, i) => [
			...new Array<number>(padLeft[i] as number).fill(this.policy.codec.padId),
			...s,
		]);
		const V = this.policy.model.config.vocabSize;
		const logits = tf.tidy(() => {
			const ids = tf.tensor2d(Int32Array.from(flat), [rows.length, T], "int32");
			return this.policy.model.logits(this.policy.model.forward(ids, { padLeft }).hidden);
		});
		const data = logits.dataSync() as Float32Array;
		logits.dispose();
		this.stats.forwardPasses++;
		const banned = new Set(this.banned);
		return rows.map((r, b) => {
			const n = (gens[b] as Generation).tokens.length;
			const out: Array<Array<readonly [number, number]>> = [];
			for (let j = 0; j < n; j++) {
				// position of the token before generated token j predicts it
				const pos = T - n - 1 + j;
				const offset = (b * T + pos) * V;
				let max = Number.NEGATIVE_INFINITY;
				for (let v = 0; v < V; v++) if (!banned.has(v)) max = Math.max(max, (data[offset + v] as number) / tau);
				let sum = 0;
				for (let v = 0; v < V; v++) if (!banned.has(v)) sum += Math.exp((data[offset + v] as number) / tau - max);
				const lse = max + Math.log(sum);
				const ranked: Array<readonly [number, number]> = [];
				for (let v = 0; v < V; v++) if (!banned.has(v)) ranked.push([v, (data[offset + v] as number) / tau - lse]);
				ranked.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
				out.push(ranked.slice(0, r.topLogprobs));
			}
			return out;
		});
	}
}
