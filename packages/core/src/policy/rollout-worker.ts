/**
 * Body of a rollout worker (a `worker_threads` Worker started by {@link RolloutPool}): its own
 * tfjs backend, a copy of the policy, its own envs made from the env registry module it was given.
 * A rollout request sets the weights, plays its tasks with the collector and posts the
 * trajectories; a gradient request sets the weights and computes its chunks' policy gradients.
 */
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs-core";
import { Effect, type Layer } from "effect";
import { initBackend } from "../backend/index.ts";
import { registerEnvEntryPoint } from "../env/entry-point.ts";
import { EnvRegistry } from "../env/registry.ts";
import type { ManagedEnv } from "../env/time-limit.ts";
import { loadHfPromptCodec } from "../hf/prompting.ts";
import { modelFromWorker } from "../hf/worker-model.ts";
import { jobGradient } from "../train/chunk-loss.ts";
import { estimatorPartGradient } from "../train/progress.ts";
import { collectRollouts } from "./collector.ts";
import { stepwisePromptCodec } from "./prompt-codec.ts";
import type { GradientReply, PortRequest, RolloutReply, RolloutWorkerInit, WorkerMessage } from "./rollout-protocol.ts";
import { scoreBatch } from "./score.ts";
import { sftChunkGradient } from "./sft.ts";
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
				for (const plugin of init.envPlugins ?? []) yield* registerEnvEntryPoint(plugin);
				return yield* Effect.forEach(Array.from({ length: init.envs }), () =>
					registry.make(init.specId, init.envOptions),
				);
			}),
			layer,
		),
	);
	const spec = init.tokenizer;
	const codec =
		spec.kind === "stepwise"
			? stepwisePromptCodec(Tokenizer.fromJSON(spec.tokenizer))
			: await Effect.runPromise(loadHfPromptCodec(spec.dir));
	const model = modelFromWorker(init.modelConfig);
	const variables = model.variables();
	const setWeights = (weights: ReadonlyArray<Float32Array>) => {
		if (weights.length !== variables.length)
			throw new Error(`rollout worker: ${weights.length} weight arrays for ${variables.length} parameters`);
		tf.tidy(() => {
			variables.forEach((v, i) => {
				v.assign(tf.tensor(weights[i] as Float32Array, v.shape));
			});
		});
	};
	let gradientPort: MessagePort | undefined;
	const answer = (request: PortRequest): GradientReply => {
		setWeights(request.weights);
		switch (request.type) {
			case "gradients":
				return { type: "gradients", results: request.jobs.map((job) => jobGradient(model, job, request.settings)) };
			case "sft-gradients":
				return {
					type: "gradients",
					results: request.chunks.map((chunk) => ({ ...sftChunkGradient(model, chunk, request.tokens), aux: {} })),
				};
			case "progress-gradients":
				return {
					type: "gradients",
					results: request.parts.map((part) => ({
						...estimatorPartGradient(model, part, request.settings),
						aux: {},
					})),
				};
			case "score":
				return { type: "scores", results: request.batches.map((rows) => scoreBatch(model, rows, request.options)) };
		}
	};
	const gradients = (request: PortRequest) => {
		let reply: GradientReply;
		try {
			reply = answer(request);
		} catch (e) {
			reply = { type: "error", message: messageOf(e) };
		}
		// transferred, not copied (each buffer once: a backend may hand out views of one buffer)
		const arrays =
			reply.type === "gradients"
				? reply.results.flatMap((r) => r.grads.flatMap((g) => (g ? [g] : [])))
				: reply.type === "scores"
					? reply.results.flat().flatMap((s) => [s.logProbs, s.values, s.progress])
					: [];
		const buffers = arrays.map((a) => a.buffer as ArrayBuffer);
		gradientPort?.postMessage(reply, [...new Set(buffers)]);
		Atomics.store(request.done, 0, 1);
		Atomics.notify(request.done, 0);
	};
	port.on("message", (message: WorkerMessage) => {
		if (message.type === "gradient-port") gradientPort = message.port;
		else if (message.type !== "rollout") gradients(message);
		else
			try {
				setWeights(message.weights);
				const trajectories = collectRollouts({ model, codec }, envs, { ...message.options, tasks: message.tasks });
				post({ type: "done", id: message.id, trajectories });
			} catch (e) {
				post({ type: "error", id: message.id, message: messageOf(e) });
			}
	});
	post({ type: "ready" });
} catch (e) {
	post({ type: "error", id: undefined, message: messageOf(e) });
}
