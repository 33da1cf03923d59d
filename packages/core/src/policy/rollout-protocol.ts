import type { ResetRequest } from "../env/types.ts";
import type { Trajectory } from "../trajectory/schema.ts";
import type { CollectOptions } from "./collector.ts";
import type { ModelConfig } from "./config.ts";
import type { TokenizerJson } from "./tokenizer.ts";

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
	/** The env spec the worker plays, and the plugin options its envs are made with. */
	readonly specId: string;
	readonly envOptions: { readonly [key: string]: unknown };
	/** Envs the worker makes (its share of a batch runs in waves of whole groups over them). */
	readonly envs: number;
	readonly modelConfig: ModelConfig;
	readonly tokenizer: TokenizerJson;
}

/** Collector options a worker applies (everything but the tasks, which come with the request). */
export type WorkerCollectOptions = Omit<CollectOptions, "tasks">;

/** Main thread → worker: play `tasks` with these weights. */
export interface RolloutRequest {
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
