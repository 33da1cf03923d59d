/**
 * Body of a rollout worker (a `worker_threads` Worker started by {@link RolloutPool}): its own
 * tfjs backend, a copy of the policy, its own envs made from the env registry module it was given.
 * Each request sets the weights, plays its tasks with the collector and posts the trajectories.
 */
import { parentPort, workerData } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs-core";
import { Effect, type Layer } from "effect";
import { initBackend } from "../backend/index.ts";
import { EnvRegistry } from "../env/registry.ts";
import type { ManagedEnv } from "../env/time-limit.ts";
import { collectRollouts } from "./collector.ts";
import { TransformerPolicy } from "./model.ts";
import type { RolloutReply, RolloutRequest, RolloutWorkerInit } from "./rollout-protocol.ts";
import { Tokenizer } from "./tokenizer.ts";

const port = parentPort;
if (port === null) throw new Error("rollout-worker.ts runs as a worker thread (see RolloutPool)");
const post = (reply: RolloutReply): void => port.postMessage(reply);
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

try {
	const init = workerData as RolloutWorkerInit;
	await initBackend(init.backend);
	const mod = (await import(init.envModule)) as Record<string, unknown>;
	const layer = mod[init.envExport] as Layer.Layer<EnvRegistry, unknown> | undefined;
	if (layer === undefined) throw new Error(`${init.envModule} exports no ${init.envExport}`);
	const envs: ManagedEnv[] = await Effect.runPromise(
		Effect.provide(
			Effect.gen(function* () {
				const registry = yield* EnvRegistry;
				return yield* Effect.forEach(Array.from({ length: init.envs }), () =>
					registry.make(init.specId, init.envOptions),
				);
			}),
			layer,
		),
	);
	const tokenizer = Tokenizer.fromJSON(init.tokenizer);
	const model = TransformerPolicy.init(init.modelConfig, 0);
	const variables = model.variables();
	port.on("message", (request: RolloutRequest) => {
		try {
			if (request.weights.length !== variables.length)
				throw new Error(`rollout worker: ${request.weights.length} weight arrays for ${variables.length} parameters`);
			tf.tidy(() => {
				variables.forEach((v, i) => {
					v.assign(tf.tensor(request.weights[i] as Float32Array, v.shape));
				});
			});
			const trajectories = collectRollouts({ model, tokenizer }, envs, { ...request.options, tasks: request.tasks });
			post({ type: "done", id: request.id, trajectories });
		} catch (e) {
			post({ type: "error", id: request.id, message: messageOf(e) });
		}
	});
	post({ type: "ready" });
} catch (e) {
	post({ type: "error", id: undefined, message: messageOf(e) });
}
