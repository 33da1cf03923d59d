import * as tf from "@tensorflow/tfjs-core";
import { Schema } from "effect";
import { accumulatedStep, type ChunkGradient, gradientArrays } from "../train/optim.ts";
import { balancedChunks, shareOut } from "../util/chunks.ts";
import { Rng } from "../util/rng.ts";
import { attentionRows } from "./config.ts";
import type { SftExample } from "./demos.ts";
import type { PolicyModel } from "./policy-model.ts";
import { evaluateAt, packSequences } from "./score.ts";

/** Options of {@link trainSft}. */
export interface SftOptions {
	/** Examples per step (default 32). */
	readonly batchSize?: number;
	/** Adam learning rate (default 1e-3), with linear warm-up over `warmupSteps` (default 20). */
	readonly learningRate?: number;
	readonly warmupSteps?: number;
	/**
	 * `constant` (default) keeps the learning rate after warm-up; `cosine` decays it to 10 % along
	 * the run's progress (the larger of steps / maxSteps and time / timeBudgetMs).
	 */
	readonly schedule?: "constant" | "cosine";
	/** Stop after this many steps (default 2000). */
	readonly maxSteps?: number;
	/** Stop once this much training time has passed (default unlimited); see `budgetClock`. */
	readonly timeBudgetMs?: number;
	/**
	 * What `timeBudgetMs` counts: `wall` (default) wall-clock training time, or `cpu` the process's
	 * CPU time spent training (about the wall time an unshared machine would take, for runs on a
	 * machine shared with other jobs). Validation time is excluded either way.
	 */
	readonly budgetClock?: "wall" | "cpu";
	/** Validate every this many steps (default 50). */
	readonly evalEvery?: number;
	/** Early stopping: stop after this many validations without a better validation loss (default 5). */
	readonly patience?: number;
	/** Seed of the batch order (default 0). */
	readonly seed?: number;
	/** Called after every validation (e.g. to run a greedy-success evaluation and print the curve). */
	readonly onEval?: (point: SftEvalPoint, model: PolicyModel) => void;
	/** An optimizer to continue with (e.g. restored from a checkpoint); default a fresh Adam. */
	readonly optimizer?: tf.AdamOptimizer;
	/**
	 * Cut every batch into micro-batches of at most this many examples (sizes differing by at most
	 * one) whose gradients are summed in order (default `batchSize`: one pass over the whole batch).
	 * The cut depends on the batch alone, so the weights are the same with any number of `helpers`.
	 */
	readonly microBatchSize?: number;
	/** Threads that compute micro-batch gradients beside this one (a rollout pool's workers). */
	readonly helpers?: SftGradientHelpers;
}

/**
 * Threads that compute SFT micro-batch gradients beside the calling one: `postSftGradients` hands
 * helper i the micro-batches of `shares[i]` with the weights to use and returns at once; `wait()`
 * blocks until every share is in and returns their gradients in order.
 */
export interface SftGradientHelpers {
	readonly size: number;
	postSftGradients(
		weights: ReadonlyArray<Float32Array>,
		shares: ReadonlyArray<ReadonlyArray<ReadonlyArray<SftExample>>>,
		tokens: number,
	): { wait(): ChunkGradient[][] };
}

/** One point of the training curve. */
export interface SftEvalPoint {
	readonly step: number;
	/** Wall-clock training time so far (validation time excluded). */
	readonly trainMs: number;
	/** Process CPU time spent training so far (validation excluded). */
	readonly trainCpuMs: number;
	/** Mean training loss since the previous point. */
	readonly trainLoss: number;
	/** Mean per-token loss on the validation examples. */
	readonly valLoss: number;
}

/** What {@link trainSft} returns. */
export interface SftResult {
	readonly curve: SftEvalPoint[];
	readonly bestStep: number;
	readonly bestValLoss: number;
	readonly steps: number;
	readonly stoppedBy: "early-stop" | "max-steps" | "time-budget";
	readonly optimizer: tf.AdamOptimizer;
}

/** A number that may be non-finite in memory, saved as JSON `null` (JSON has no NaN or Infinity). */
const Saved = Schema.NullOr(Schema.Number);
const toSaved = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * Everything of an {@link SftRun} in progress but its tensors (the weights, the optimizer and the
 * best weights so far are saved beside it): the JSON a runner saves to resume SFT mid-run.
 * `best` is null before the first validation (and a NaN loss is saved as null).
 */
export const SftRunState = Schema.Struct({
	format: Schema.Literal("stepwise-sft-run"),
	steps: Schema.Int,
	/** The current shuffled order, as indices into the training examples, and the position in it. */
	order: Schema.Array(Schema.Int),
	cursor: Schema.Int,
	rng: Schema.Array(Schema.Number),
	best: Saved,
	bestStep: Schema.Int,
	sinceBest: Schema.Int,
	trainMs: Schema.Number,
	trainCpuMs: Schema.Number,
	lossSum: Schema.Number,
	lossN: Schema.Int,
	curve: Schema.Array(
		Schema.Struct({
			step: Schema.Int,
			trainMs: Schema.Number,
			trainCpuMs: Schema.Number,
			trainLoss: Saved,
			valLoss: Saved,
		}),
	),
	stoppedBy: Schema.optionalKey(Schema.Literals(["early-stop", "max-steps", "time-budget"])),
});
export type SftRunState = typeof SftRunState.Type;

/** An {@link SftRun}'s saved progress: its state and the best weights so far (in `model.variables()` order). */
export interface SftSnapshot {
	readonly state: SftRunState;
	readonly bestWeights: ReadonlyArray<Float32Array> | undefined;
}

/** The `[row, pos]` of every answer token (the `</act>` included) of a batch. */
const answerPicks = (batch: ReadonlyArray<SftExample>): Array<readonly [number, number]> =>
	batch.flatMap((e, b) => {
		const picks: Array<readonly [number, number]> = [];
		for (let t = Math.max(1, e.answerStart); t < e.ids.length; t++) picks.push([b, t]);
		return picks;
	});

/**
 * The SFT loss of a batch: mean negative log-likelihood of the answer tokens only (the `</act>`
 * included); prompt tokens carry no loss (and the LM head runs only at answer tokens). Returns a
 * scalar tensor (differentiable).
 */
export const sftLoss = (model: PolicyModel, batch: ReadonlyArray<SftExample>, pad = 0): tf.Scalar => {
	const packed = packSequences(
		batch.map((e) => e.ids),
		pad,
	);
	const { logProbs } = evaluateAt(model, packed.ids, answerPicks(batch));
	return tf.neg(tf.mean(logProbs)) as tf.Scalar;
};

/** The number of answer tokens (the `</act>` included) of some examples: what {@link sftLoss} averages over. */
export const answerTokens = (examples: ReadonlyArray<SftExample>): number =>
	examples.reduce((s, e) => s + (e.ids.length - Math.max(1, e.answerStart)), 0);

/**
 * One micro-batch's part of an SFT batch loss: its answer tokens' summed negative log-likelihood
 * divided by `tokens`, the whole batch's answer-token count, so the parts of a batch add up to
 * {@link sftLoss} of the batch.
 */
export const sftChunkLoss = (model: PolicyModel, chunk: ReadonlyArray<SftExample>, tokens: number): tf.Scalar => {
	const packed = packSequences(
		chunk.map((e) => e.ids),
		0,
	);
	const { logProbs } = evaluateAt(model, packed.ids, answerPicks(chunk));
	return tf.div(tf.neg(tf.sum(logProbs)), tokens) as tf.Scalar;
};

/**
 * {@link sftChunkLoss}'s value and gradient as arrays in `model.variables()` order (what a gradient
 * worker sends back: the same float32 values a pass on the calling thread gives). Leaks no tensors.
 */
export const sftChunkGradient = (model: PolicyModel, chunk: ReadonlyArray<SftExample>, tokens: number): ChunkGradient =>
	gradientArrays(model.variables(), () => sftChunkLoss(model, chunk, tokens));

/** Mean per-answer-token loss over a set of examples (no gradient). */
export const evaluateSftLoss = (model: PolicyModel, examples: ReadonlyArray<SftExample>, batchSize = 64): number => {
	let total = 0;
	let count = 0;
	for (let i = 0; i < examples.length; i += batchSize) {
		const batch = examples.slice(i, i + batchSize);
		const tokens = answerTokens(batch);
		const loss = tf.tidy(() => sftLoss(model, batch));
		total += (loss.dataSync()[0] as number) * tokens;
		count += tokens;
		loss.dispose();
	}
	return count === 0 ? Number.NaN : total / count;
};

const gc = (): void => {
	(globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc(true);
};

/**
 * Supervised fine-tuning on demonstrations, one step at a time: Adam on the answer-token loss,
 * shuffled batches (seeded), validation every `evalEvery` steps, early stopping on the validation
 * loss. {@link SftRun.finish} restores the best weights. A caller that must stay responsive (the
 * runner, which stops on Ctrl-C / SIGTERM) steps it and yields in between; {@link trainSft} runs it
 * to the end in one call.
 */
export class SftRun {
	private readonly batchSize: number;
	private readonly microBatchSize: number;
	private readonly lr: number;
	private readonly warmup: number;
	private readonly maxSteps: number;
	private readonly evalEvery: number;
	private readonly patience: number;
	private readonly budget: number;
	private readonly clock: "wall" | "cpu";
	readonly optimizer: tf.AdamOptimizer;
	private rng: Rng;
	private readonly vars: tf.Variable[];
	/** Each training example's index (for {@link snapshot}), built on first use. */
	private exampleIndex: Map<SftExample, number> | undefined;
	private order: SftExample[] = [];
	private cursor = 0;
	readonly curve: SftEvalPoint[] = [];
	private best = Number.POSITIVE_INFINITY;
	private bestStep = 0;
	private bestWeights: tf.Tensor[] | undefined;
	private sinceBest = 0;
	private trainMs = 0;
	private trainCpuMs = 0;
	private lossSum = 0;
	private lossN = 0;
	private tokens = 0;
	private completed = 0;
	private stoppedBy: SftResult["stoppedBy"] | undefined;

	constructor(
		private readonly model: PolicyModel,
		private readonly train: ReadonlyArray<SftExample>,
		private readonly validation: ReadonlyArray<SftExample>,
		private readonly options: SftOptions = {},
	) {
		if (train.length === 0) throw new Error("trainSft: no training examples");
		this.batchSize = Math.min(options.batchSize ?? 32, train.length);
		// long contexts: the micro-batches shrink to what the attention budget holds (short ones are never cut)
		const longest = train.reduce((m, e) => Math.max(m, e.ids.length), 1);
		this.microBatchSize = attentionRows(model.config, Math.max(1, options.microBatchSize ?? this.batchSize), longest);
		this.lr = options.learningRate ?? 1e-3;
		this.warmup = options.warmupSteps ?? 20;
		this.maxSteps = options.maxSteps ?? 2000;
		this.evalEvery = options.evalEvery ?? 50;
		this.patience = options.patience ?? 5;
		this.budget = options.timeBudgetMs ?? Number.POSITIVE_INFINITY;
		this.clock = options.budgetClock ?? "wall";
		this.optimizer = options.optimizer ?? tf.train.adam(this.lr);
		this.rng = new Rng(options.seed ?? 0);
		this.vars = model.variables();
	}

	/** Steps taken. */
	get steps(): number {
		return this.completed;
	}

	/** Mean training loss of the steps since the last validation (NaN right after one). */
	get runningLoss(): number {
		return this.lossN > 0 ? this.lossSum / this.lossN : Number.NaN;
	}

	/** Tokens (prompt and answer) of the batches this object trained on (since it was made or resumed). */
	get tokensTrained(): number {
		return this.tokens;
	}

	/** True once the run has stopped (step limit, early stop or time budget). */
	get done(): boolean {
		return this.stoppedBy !== undefined || this.completed >= this.maxSteps;
	}

	private nextBatch(): SftExample[] {
		if (this.cursor + this.batchSize > this.order.length) {
			this.order = this.rng.shuffle(this.train);
			this.cursor = 0;
		}
		const b = this.order.slice(this.cursor, this.cursor + this.batchSize);
		this.cursor += this.batchSize;
		return b;
	}

	/** One optimizer step, then a validation when one is due; returns the validation point, if any. */
	step(): SftEvalPoint | undefined {
		if (this.done) return undefined;
		const t0 = performance.now();
		const c0 = process.cpuUsage();
		const batch = this.nextBatch();
		const spent = (this.clock === "cpu" ? this.trainCpuMs : this.trainMs) / this.budget;
		const progress = Math.min(1, Math.max(this.completed / this.maxSteps, Number.isFinite(spent) ? spent : 0));
		const decay = this.options.schedule === "cosine" ? 0.1 + 0.45 * (1 + Math.cos(Math.PI * progress)) : 1;
		(this.optimizer as unknown as { learningRate: number }).learningRate =
			this.lr * decay * Math.min(1, (this.completed + 1) / Math.max(1, this.warmup));
		this.lossSum += this.update(batch);
		this.lossN++;
		for (const e of batch) this.tokens += e.ids.length;
		const step = ++this.completed;
		if (step % 10 === 0) gc();
		this.trainMs += performance.now() - t0;
		const c = process.cpuUsage(c0);
		this.trainCpuMs += (c.user + c.system) / 1000;
		const outOfTime = (this.clock === "cpu" ? this.trainCpuMs : this.trainMs) >= this.budget;
		let point: SftEvalPoint | undefined;
		if (step % this.evalEvery === 0 || step === this.maxSteps || outOfTime) {
			const valLoss = evaluateSftLoss(
				this.model,
				this.validation,
				attentionRows(
					this.model.config,
					64,
					this.validation.reduce((m, e) => Math.max(m, e.ids.length), 1),
				),
			);
			point = {
				step,
				trainMs: this.trainMs,
				trainCpuMs: this.trainCpuMs,
				trainLoss: this.lossSum / Math.max(1, this.lossN),
				valLoss,
			};
			this.lossSum = 0;
			this.lossN = 0;
			this.curve.push(point);
			if (valLoss < this.best || this.bestWeights === undefined) {
				this.best = valLoss;
				this.bestStep = step;
				this.sinceBest = 0;
				tf.dispose(this.bestWeights);
				this.bestWeights = this.vars.map((v) => tf.clone(v));
			} else this.sinceBest++;
			this.options.onEval?.(point, this.model);
			if (this.sinceBest >= this.patience) this.stoppedBy = "early-stop";
		}
		if (outOfTime && this.stoppedBy === undefined) this.stoppedBy = "time-budget";
		return point;
	}

	/**
	 * One Adam step on a batch; returns its loss. A batch of one micro-batch is one pass (the loss
	 * is the answer tokens' mean); otherwise the micro-batches' {@link sftChunkLoss} gradients are
	 * summed in order, the first share computed here while each helper computes one of the others.
	 */
	private update(batch: ReadonlyArray<SftExample>): number {
		const chunks = balancedChunks(batch, this.microBatchSize);
		if (chunks.length === 1) {
			const loss = this.optimizer.minimize(() => sftLoss(this.model, batch), true, this.vars);
			const value = loss?.dataSync()[0] ?? 0;
			loss?.dispose();
			return value;
		}
		const tokens = answerTokens(batch);
		const helpers = this.options.helpers;
		const sources = shareOut<ReadonlyArray<SftExample>, ChunkGradient>(
			chunks,
			helpers?.size ?? 0,
			(shares) =>
				(helpers as SftGradientHelpers).postSftGradients(
					this.vars.map((v) => v.dataSync() as Float32Array),
					shares,
					tokens,
				),
			(chunk) => sftChunkGradient(this.model, chunk, tokens),
		);
		return accumulatedStep(
			this.optimizer,
			this.vars,
			sources,
			sources.map(() => 1),
			0,
		).loss;
	}

	/** The run's progress, to save beside the model and optimizer and continue with {@link SftRun.resume}. */
	snapshot(): SftSnapshot {
		if (this.exampleIndex === undefined) this.exampleIndex = new Map(this.train.map((e, i) => [e, i]));
		const index = this.exampleIndex;
		return {
			state: {
				format: "stepwise-sft-run",
				steps: this.completed,
				order: this.order.map((e) => index.get(e) as number),
				cursor: this.cursor,
				rng: this.rng.state(),
				best: toSaved(this.best),
				bestStep: this.bestStep,
				sinceBest: this.sinceBest,
				trainMs: this.trainMs,
				trainCpuMs: this.trainCpuMs,
				lossSum: this.lossSum,
				lossN: this.lossN,
				curve: this.curve.map((p) => ({ ...p, trainLoss: toSaved(p.trainLoss), valLoss: toSaved(p.valLoss) })),
				...(this.stoppedBy !== undefined ? { stoppedBy: this.stoppedBy } : {}),
			},
			bestWeights: this.bestWeights?.map((t) => t.dataSync() as Float32Array),
		};
	}

	/**
	 * Continue a run from its {@link snapshot}: `model` holds the weights and `options.optimizer` the
	 * Adam state saved with it, and the examples and options are the run's own. Steps from here on
	 * are those the uninterrupted run would have taken. Throws a RangeError when the snapshot does
	 * not fit the examples or the model.
	 */
	static resume(
		model: PolicyModel,
		train: ReadonlyArray<SftExample>,
		validation: ReadonlyArray<SftExample>,
		options: SftOptions,
		saved: SftSnapshot,
	): SftRun {
		const run = new SftRun(model, train, validation, options);
		const s = saved.state;
		if (s.order.some((i) => i < 0 || i >= train.length) || s.cursor < 0 || s.cursor > s.order.length)
			throw new RangeError(`SftRun.resume: the saved batch order does not index the ${train.length} training examples`);
		const best = saved.bestWeights;
		if (best !== undefined && (best.length !== run.vars.length || best.some((w, i) => w.length !== run.vars[i]?.size)))
			throw new RangeError("SftRun.resume: the saved best weights do not match the model's variables");
		run.completed = s.steps;
		run.order = s.order.map((i) => train[i] as SftExample);
		run.cursor = s.cursor;
		run.rng = Rng.fromState(s.rng);
		run.best = s.best ?? Number.POSITIVE_INFINITY;
		run.bestStep = s.bestStep;
		run.sinceBest = s.sinceBest;
		run.trainMs = s.trainMs;
		run.trainCpuMs = s.trainCpuMs;
		run.lossSum = s.lossSum;
		run.lossN = s.lossN;
		run.curve.push(
			...s.curve.map((p) => ({ ...p, trainLoss: p.trainLoss ?? Number.NaN, valLoss: p.valLoss ?? Number.NaN })),
		);
		run.stoppedBy = s.stoppedBy;
		run.bestWeights = best?.map((w, i) => tf.tensor(w, (run.vars[i] as tf.Variable).shape));
		return run;
	}

	/** End the run: restore the best validated weights (if any) and report. */
	finish(): SftResult {
		const bestWeights = this.bestWeights;
		if (bestWeights !== undefined && this.bestStep !== this.completed)
			this.vars.forEach((v, i) => {
				v.assign(bestWeights[i] as tf.Tensor);
			});
		this.dispose();
		return {
			curve: this.curve,
			bestStep: this.bestStep,
			bestValLoss: this.best,
			steps: this.completed,
			stoppedBy: this.stoppedBy ?? "max-steps",
			optimizer: this.optimizer,
		};
	}

	/** Free the saved best weights (an abandoned run; {@link finish} calls it). The optimizer stays the caller's. */
	dispose(): void {
		tf.dispose(this.bestWeights);
		this.bestWeights = undefined;
	}
}

/**
 * Supervised fine-tuning on demonstrations, to the end in one call: Adam on the answer-token loss,
 * shuffled batches (seeded), validation every `evalEvery` steps, early stopping on the validation
 * loss with the best weights restored at the end.
 */
export const trainSft = (
	model: PolicyModel,
	train: ReadonlyArray<SftExample>,
	validation: ReadonlyArray<SftExample>,
	options: SftOptions = {},
): SftResult => {
	const run = new SftRun(model, train, validation, options);
	try {
		while (!run.done) run.step();
		return run.finish();
	} finally {
		run.dispose();
	}
};
