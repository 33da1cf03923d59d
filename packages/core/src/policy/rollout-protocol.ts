import type { MessagePort } from "node:worker_threads";
import type { EnvEntryPoint } from "../env/entry-point.ts";
import type { ResetRequest } from "../env/types.ts";
import type { WorkerModel } from "../hf/worker-model.ts";
import type { ChunkJob, ChunkLossSettings, ChunkResult } from "../train/chunk-loss.ts";
import type { EstimatorPart, EstimatorSettings } from "../train/progress.ts";
import type { Trajectory } from "../trajectory/schema.ts";
import type { CollectOptions } from "./collector.ts";
import type { SftExample } from "./demos.ts";
import type { CodecTokenizerSpec } from "./prompt-codec.ts";
import type { ScoreOptions, SequenceScores } from "./score.ts";

/**
 * The messages between a {@link RolloutPool} and its workers (`rollout-worker.ts`). Everything is
 * structured-clonable: weights travel as one Float32Array per parameter, in canonical order.
 */

/** What a rollout worker starts with (its `workerData`). */
export interface RolloutWorkerInit {
	/** Compute backend to load in the worker (the main thread's, e.g. `wasm`). */
	readonly backend: string;
	/** URL of a module whose `envExport` is a Layer providing the `EnvRegistry` (e.g. the runner's plugin list). */
	readonly envModule: string;
	readonly envExport: string;
	/** Plugins to register beside that registry's (resolved entry points, e.g. the runner's `env.plugin`). */
	readonly envPlugins?: ReadonlyArray<EnvEntryPoint>;
	/** The env spec the worker plays, and the plugin options its envs are made with. */
	readonly specId: string;
	readonly envOptions: { readonly [key: string]: unknown };
	/** Envs the worker makes (its share of a batch runs in waves of whole groups over them). */
	readonly envs: number;
	readonly modelConfig: WorkerModel;
	/** The policy's tokenizer (ours as JSON, or the Hugging Face directory whose tokenizer to load). */
	readonly tokenizer: CodecTokenizerSpec;
}

/** Collector options a worker applies (everything but the tasks, which come with the request). */
export type WorkerCollectOptions = Omit<CollectOptions, "tasks">;

/** Main thread → worker: play `tasks` with these weights. */
export interface RolloutRequest {
	readonly type: "rollout";
	readonly id: number;
	readonly weights: ReadonlyArray<Float32Array>;
	readonly tasks: ReadonlyArray<ResetRequest>;
	readonly options: WorkerCollectOptions;
}

/** Worker → main thread. */
export type RolloutReply =
	| { readonly type: "ready" }
	| { readonly type: "done"; readonly id: number; readonly trajectories: Trajectory[] }
	| { readonly type: "error"; readonly id: number | undefined; readonly message: string };

/** Main thread → worker, once, before any request: the port gradient replies go to (read synchronously). */
export interface GradientPortMessage {
	readonly type: "gradient-port";
	readonly port: MessagePort;
}

/**
 * Main thread → worker: compute these chunks' policy gradients with these weights, post a
 * {@link GradientReply} on the gradient port, then set `done[0]` to 1 and notify it (the main thread
 * blocks on it with `Atomics.wait`, so the reply is read while its event loop is not running).
 */
export interface GradientRequest {
	readonly type: "gradients";
	readonly weights: ReadonlyArray<Float32Array>;
	readonly jobs: ReadonlyArray<ChunkJob>;
	readonly settings: ChunkLossSettings;
	readonly done: Int32Array;
}

/**
 * Main thread → worker: compute these SFT micro-batches' gradients (`sftChunkGradient` with the
 * batch's answer-token count `tokens`) with these weights, answered like a {@link GradientRequest}.
 */
export interface SftGradientRequest {
	readonly type: "sft-gradients";
	readonly weights: ReadonlyArray<Float32Array>;
	readonly chunks: ReadonlyArray<ReadonlyArray<SftExample>>;
	readonly tokens: number;
	readonly done: Int32Array;
}

/**
 * Main thread → worker: compute these progress-estimator parts' gradients
 * (`estimatorPartGradient`) with these weights, answered like a {@link GradientRequest}.
 */
export interface ProgressGradientRequest {
	readonly type: "progress-gradients";
	readonly weights: ReadonlyArray<Float32Array>;
	readonly parts: ReadonlyArray<EstimatorPart>;
	readonly settings: EstimatorSettings;
	readonly done: Int32Array;
}

/** Every request answered on the gradient port. */
export type PortRequest = GradientRequest | SftGradientRequest | ProgressGradientRequest | ScoreRequest;

/**
 * Main thread → worker: score these batches of sequences (`scoreBatch`, one forward pass each)
 * with these weights, answered like a {@link GradientRequest}.
 */
export interface ScoreRequest {
	readonly type: "score";
	readonly weights: ReadonlyArray<Float32Array>;
	readonly batches: ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>>;
	readonly options: Omit<ScoreOptions, "batchSize">;
	readonly done: Int32Array;
}

/** Worker → main thread on the gradient port. */
export type GradientReply =
	| { readonly type: "gradients"; readonly results: ReadonlyArray<ChunkResult> }
	| { readonly type: "scores"; readonly results: ReadonlyArray<ReadonlyArray<SequenceScores>> }
	| { readonly type: "error"; readonly message: string };

/** Every message a worker receives from the main thread. */
export type WorkerMessage = RolloutRequest | GradientPortMessage | PortRequest;
