import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { Result, Schema } from "effect";
import type { ManagedEnv } from "../env/time-limit.ts";
import type { ChunkJob, ChunkLossSettings, ChunkResult, GradientHelpers } from "../train/chunk-loss.ts";
import type { ChunkGradient } from "../train/optim.ts";
import type { EstimatorPart, EstimatorSettings, ProgressGradientHelpers } from "../train/progress.ts";
import { Trajectory } from "../trajectory/schema.ts";
import { type CollectOptions, collectRollouts, type Policy } from "./collector.ts";
import type { SftExample } from "./demos.ts";
import type {
	GradientReply,
	GradientRequest,
	PortRequest,
	ProgressGradientRequest,
	RolloutReply,
	RolloutRequest,
	RolloutWorkerInit,
	ScoreRequest,
	SftGradientRequest,
	WorkerMessage,
} from "./rollout-protocol.ts";
import type { ScoreOptions, SequenceScores } from "./score.ts";
import type { SftGradientHelpers } from "./sft.ts";

/** `Omit` applied to each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A rollout worker failed to start, or failed while playing its share of a batch. */
export class RolloutWorkerError extends Error {
	override readonly name = "RolloutWorkerError";
}

interface Pending {
	readonly resolve: (t: Trajectory[]) => void;
	readonly reject: (e: Error) => void;
}

const decodeTrajectories = Schema.decodeUnknownResult(Schema.Array(Trajectory));
const decodeGradientReply = Schema.decodeUnknownResult(
	Schema.Union([
		Schema.Struct({
			type: Schema.Literal("gradients"),
			results: Schema.Array(
				Schema.Struct({
					value: Schema.Number,
					grads: Schema.Array(Schema.UndefinedOr(Schema.instanceOf(Float32Array))),
					aux: Schema.Record(Schema.String, Schema.Number),
				}),
			),
		}),
		Schema.Struct({
			type: Schema.Literal("scores"),
			results: Schema.Array(
				Schema.Array(
					Schema.Struct({
						logProbs: Schema.instanceOf(Float32Array),
						values: Schema.instanceOf(Float32Array),
						progress: Schema.instanceOf(Float32Array),
					}),
				),
			),
		}),
		Schema.Struct({ type: Schema.Literal("error"), message: Schema.String }),
	]),
);

/**
 * How long the main thread waits, blocked, for a worker's gradients or scores before it gives up
 * on the worker. A worker that fails answers with an error at once, so this only guards against a
 * thread that vanished; it is long because a heavily loaded machine can stall a healthy worker for
 * minutes (a 5-minute limit once stopped a pipeline's SFT on a machine at load average 100).
 */
const GRADIENT_TIMEOUT_MS = 30 * 60_000;

/** A started worker and the requests it has not answered yet. */
class RolloutWorker {
	private next = 0;
	private readonly pending = new Map<number, Pending>();
	private failure: Error | undefined;

	private constructor(
		readonly worker: Worker,
		private readonly gradientPort: MessagePort,
	) {
		worker.on("message", (reply: RolloutReply) => {
			if (reply.type === "ready") return;
			const p = reply.id === undefined ? undefined : this.pending.get(reply.id);
			if (reply.id !== undefined) this.pending.delete(reply.id);
			if (reply.type === "done") {
				// a thread boundary: decode what comes back before it enters training
				const decoded = decodeTrajectories(reply.trajectories);
				if (Result.isSuccess(decoded)) p?.resolve([...decoded.success]);
				else
					p?.reject(new RolloutWorkerError(`rollout worker sent malformed trajectories: ${decoded.failure.message}`));
			} else if (p !== undefined) p.reject(new RolloutWorkerError(`rollout worker: ${reply.message}`));
			else this.fail(new RolloutWorkerError(`rollout worker: ${reply.message}`));
		});
		worker.on("error", (e: Error) => this.fail(new RolloutWorkerError(`rollout worker crashed: ${e.message}`)));
		worker.on("exit", (code) => this.fail(new RolloutWorkerError(`rollout worker exited (code ${code})`)));
	}

	private fail(e: Error): void {
		this.failure ??= e;
		for (const p of this.pending.values()) p.reject(e);
		this.pending.clear();
	}

	/** Start a worker and wait until it has loaded its backend, envs and model. */
	static start(init: RolloutWorkerInit): Promise<RolloutWorker> {
		return new Promise((resolve, reject) => {
			const worker = new Worker(new URL("./rollout-worker.ts", import.meta.url), { workerData: init });
			const onStartup = (reply: RolloutReply) => {
				worker.off("error", onError);
				if (reply.type === "ready") {
					const { port1, port2 } = new MessageChannel();
					worker.postMessage({ type: "gradient-port", port: port2 } satisfies WorkerMessage, [port2]);
					resolve(new RolloutWorker(worker, port1));
				} else {
					void worker.terminate();
					reject(
						new RolloutWorkerError(
							`rollout worker failed to start: ${"message" in reply ? reply.message : reply.type}`,
						),
					);
				}
			};
			const onError = (e: Error) => {
				worker.off("message", onStartup);
				reject(new RolloutWorkerError(`rollout worker failed to start: ${e.message}`));
			};
			worker.once("message", onStartup);
			worker.once("error", onError);
		});
	}

	collect(request: Omit<RolloutRequest, "id" | "type">): Promise<Trajectory[]> {
		if (this.failure !== undefined) return Promise.reject(this.failure);
		const id = this.next++;
		return new Promise((resolve, reject) => {
			this.pending.set(id, { resolve, reject });
			this.worker.postMessage(
				{ ...request, type: "rollout", id } satisfies RolloutRequest,
				request.weights.map((w) => w.buffer as ArrayBuffer),
			);
		});
	}

	/**
	 * Start computing gradients (a policy-loss, SFT or estimator request, without its `done` flag);
	 * the returned function blocks until the `count` results are in and returns them.
	 */
	gradients(
		request: DistributiveOmit<GradientRequest | SftGradientRequest | ProgressGradientRequest, "done">,
		count: number,
	): () => ChunkResult[] {
		const read = this.call(request, "gradients", count);
		return () => {
			const r = read();
			if (r.type !== "gradients") throw new RolloutWorkerError(`rollout worker sent ${r.type} for gradients`);
			return [...r.results];
		};
	}

	/** Start scoring `batches`; the returned function blocks until their scores are in and returns them. */
	scores(request: Omit<ScoreRequest, "done">): () => SequenceScores[][] {
		const read = this.call(request, "scores", request.batches.length);
		return () => {
			const r = read();
			if (r.type !== "scores") throw new RolloutWorkerError(`rollout worker sent ${r.type} for scores`);
			return r.results.map((batch) => [...batch]);
		};
	}

	/**
	 * Post a request answered on the gradient port; the returned function blocks until the reply is
	 * in, decodes it and checks that it holds `count` results.
	 */
	private call(
		request: DistributiveOmit<PortRequest, "done">,
		what: string,
		count: number,
	): () => Exclude<GradientReply, { type: "error" }> {
		if (this.failure !== undefined) throw this.failure;
		const done = new Int32Array(new SharedArrayBuffer(4));
		this.worker.postMessage({ ...request, done } satisfies WorkerMessage);
		return () => {
			if (Atomics.wait(done, 0, 0, GRADIENT_TIMEOUT_MS) === "timed-out")
				throw new RolloutWorkerError(`rollout worker sent no ${what} within ${GRADIENT_TIMEOUT_MS / 1000} s`);
			const received = receiveMessageOnPort(this.gradientPort);
			const reply = decodeGradientReply(received?.message);
			if (Result.isFailure(reply))
				throw new RolloutWorkerError(`rollout worker sent malformed ${what}: ${reply.failure.message}`);
			const r: GradientReply = reply.success;
			if (r.type === "error") throw new RolloutWorkerError(`rollout worker: ${r.message}`);
			if (r.results.length !== count)
				throw new RolloutWorkerError(`rollout worker sent ${r.results.length} ${what} for ${count} chunks`);
			return r;
		};
	}

	async terminate(): Promise<void> {
		this.failure ??= new RolloutWorkerError("rollout worker closed");
		await this.worker.terminate();
	}
}

/**
 * Rollouts on more than one core: `size` `worker_threads` Workers, each with its own tfjs backend,
 * policy copy and envs (tfjs's wasm backend runs one thread per instance; docs/backends.md measured 2×
 * aggregate throughput with two instances). {@link collect} splits a batch's tasks into equal
 * shares: the calling thread plays the first share while the workers play theirs with the
 * current weights. Every episode samples from its own seeded stream (see `collectRollouts`), so the
 * trajectories are the ones an unsplit `collectRollouts` call returns, whatever the pool's size.
 * The same workers compute shares of the RL update's gradients ({@link postGradients}) and scoring
 * passes ({@link postScores}), of SFT's ({@link postSftGradients}) and of the progress estimator's
 * ({@link postProgressGradients}) micro-batches.
 */
export class RolloutPool implements GradientHelpers, SftGradientHelpers, ProgressGradientHelpers {
	private constructor(private readonly workers: ReadonlyArray<RolloutWorker>) {}

	/** Start `size` workers (all of them, or none: a failed start stops the others). */
	static async start(init: RolloutWorkerInit, size: number): Promise<RolloutPool> {
		const started = await Promise.allSettled(Array.from({ length: size }, () => RolloutWorker.start(init)));
		const workers = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
		const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
		if (failed !== undefined) {
			await Promise.all(workers.map((w) => w.terminate()));
			throw failed.reason;
		}
		return new RolloutPool(workers);
	}

	/** Workers besides the calling thread. */
	get size(): number {
		return this.workers.length;
	}

	/**
	 * `collectRollouts` over the calling thread (with `envs`) and the workers. When `signal` is
	 * aborted the result is discarded (the promise rejects once the workers have answered).
	 */
	async collect(
		policy: Policy,
		envs: ReadonlyArray<ManagedEnv>,
		options: CollectOptions,
		signal?: AbortSignal,
	): Promise<Trajectory[]> {
		const { tasks, ...rest } = options;
		const parties = this.workers.length + 1;
		const share = Math.ceil(tasks.length / parties);
		const weights = policy.model.variables().map((v) => v.dataSync() as Float32Array);
		const first = options.firstTask ?? 0;
		const remote = this.workers.flatMap((w, i) => {
			const start = (i + 1) * share;
			const part = tasks.slice(start, start + share);
			if (part.length === 0) return [];
			return [
				w.collect({
					weights: weights.map((x) => x.slice()),
					tasks: part,
					options: { ...rest, firstTask: first + start },
				}),
			];
		});
		const all = Promise.all(remote);
		let own: Trajectory[];
		try {
			own = collectRollouts(policy, envs, { ...options, tasks: tasks.slice(0, share) });
		} catch (e) {
			all.catch(() => undefined);
			throw e;
		}
		const parts = await all;
		signal?.throwIfAborted();
		return [...own, ...parts.flat()];
	}

	/**
	 * Data-parallel gradients ({@link GradientHelpers}): share i goes to worker i with `weights`
	 * (copied); `wait()` blocks the calling thread until all shares are in.
	 */
	postGradients(
		weights: ReadonlyArray<Float32Array>,
		shares: ReadonlyArray<ReadonlyArray<ChunkJob>>,
		settings: ChunkLossSettings,
	): { wait(): ChunkResult[][] } {
		return this.post(shares, "gradient", (w, jobs) =>
			w.gradients({ type: "gradients", weights, jobs, settings }, jobs.length),
		);
	}

	/** Data-parallel estimator gradients ({@link ProgressGradientHelpers}): share i goes to worker i with `weights`. */
	postProgressGradients(
		weights: ReadonlyArray<Float32Array>,
		shares: ReadonlyArray<ReadonlyArray<EstimatorPart>>,
		settings: EstimatorSettings,
	): { wait(): ChunkGradient[][] } {
		return this.post(shares, "gradient", (w, parts) =>
			w.gradients({ type: "progress-gradients", weights, parts, settings }, parts.length),
		);
	}

	/** Scoring ({@link ScoreHelpers}): the batches of share i go to worker i with `weights`. */
	postScores(
		weights: ReadonlyArray<Float32Array>,
		shares: ReadonlyArray<ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>>>,
		options: Omit<ScoreOptions, "batchSize">,
	): { wait(): SequenceScores[][][] } {
		return this.post(shares, "scoring", (w, batches) => w.scores({ type: "score", weights, batches, options }));
	}

	/** Data-parallel SFT gradients ({@link SftGradientHelpers}): share i goes to worker i with `weights`. */
	postSftGradients(
		weights: ReadonlyArray<Float32Array>,
		shares: ReadonlyArray<ReadonlyArray<ReadonlyArray<SftExample>>>,
		tokens: number,
	): { wait(): ChunkGradient[][] } {
		return this.post(shares, "gradient", (w, chunks) =>
			w.gradients({ type: "sft-gradients", weights, chunks, tokens }, chunks.length),
		);
	}

	/** Hand share i to worker i (`start` posts it and returns its blocking reader); `wait()` reads them all in order. */
	private post<S, R>(
		shares: ReadonlyArray<S>,
		what: string,
		start: (worker: RolloutWorker, share: S) => () => R,
	): { wait(): R[] } {
		if (shares.length > this.workers.length)
			throw new RolloutWorkerError(`${shares.length} ${what} shares for ${this.workers.length} workers`);
		const pending = shares.map((share, i) => start(this.workers[i] as RolloutWorker, share));
		return { wait: () => pending.map((read) => read()) };
	}

	/** Stop the workers. */
	async close(): Promise<void> {
		await Promise.all(this.workers.map((w) => w.terminate()));
	}
}
