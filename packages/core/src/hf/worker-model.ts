import type { ModelConfig } from "../policy/config.ts";
import { TransformerPolicy } from "../policy/model.ts";
import type { PolicyModel } from "../policy/policy-model.ts";
import type { LlamaConfig } from "./config.ts";
import { LlamaPolicy, llamaParameterShapes } from "./llama.ts";
import type { LoraSpec } from "./lora.ts";

/**
 * What a worker thread needs to build a model of the same shape as the main thread's, before
 * the trainable weights arrive (in `variables()` order): our GPT's config, or a Llama-family
 * config with its LoRA settings and, for LoRA, the frozen base (which never changes).
 */
export type WorkerModel =
	| ModelConfig
	| {
			readonly arch: "llama";
			readonly llama: LlamaConfig;
			readonly lora?: LoraSpec;
			readonly frozen?: ReadonlyArray<Float32Array>;
	  };

/** The {@link WorkerModel} of a model. */
export const workerModelOf = (model: PolicyModel): WorkerModel => {
	if (model instanceof TransformerPolicy) return model.config;
	if (!(model instanceof LlamaPolicy)) throw new Error(`no worker model for architecture ${model.arch}`);
	if (model.lora === undefined) return { arch: "llama", llama: model.config };
	return {
		arch: "llama",
		llama: model.config,
		lora: model.lora,
		frozen: llamaParameterShapes(model.config).map(([name]) => model.weight(name).dataSync() as Float32Array),
	};
};

/** Build a worker's model from a {@link WorkerModel} (trainable weights still to be assigned). */
export const modelFromWorker = (init: WorkerModel): PolicyModel => {
	if (!("arch" in init)) return TransformerPolicy.init(init, 0);
	if (init.lora === undefined) return LlamaPolicy.init(init.llama, 0);
	const names = llamaParameterShapes(init.llama).map(([n]) => n);
	const frozen = init.frozen ?? [];
	if (frozen.length !== names.length)
		throw new Error(`worker model: ${frozen.length} frozen arrays for ${names.length} weights`);
	return LlamaPolicy.fromWeights(
		init.llama,
		{ base: new Map(names.map((n, i) => [n, frozen[i] as Float32Array])) },
		init.lora,
	);
};
