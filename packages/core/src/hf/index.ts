/**
 * Hugging Face models: the Llama-family decoder (Llama, Qwen2, Mistral), loading model
 * directories (safetensors, sharded, F32/F16/BF16), LoRA adapters in PEFT's format, and export
 * back to a directory transformers loads.
 */
export {
	fromHfConfig,
	HfConfigJson,
	LAYER_LINEARS,
	type LayerLinear,
	LLAMA_ARCHITECTURES,
	type LlamaArchitecture,
	LlamaConfig,
	linearShape,
	llamaFromSize,
	RopeScaling,
	toHfConfig,
} from "./config.ts";
export { HfModelError } from "./errors.ts";
export { type ExportOptions, exportHf, TOKENIZER_FILES } from "./export.ts";
export {
	HEAD_SHAPES,
	LlamaPolicy,
	type LlamaWeights,
	llamaParameterShapes,
	ropeInverseFrequencies,
} from "./llama.ts";
export {
	HF_FILES,
	isHfModelDir,
	type LoadHfOptions,
	loadHfModel,
	readHfConfig,
	readHfWeights,
} from "./load.ts";
export { LORA_TARGETS, LoraSpec, loraModules, loraShapes } from "./lora.ts";
export { ADAPTER_FILES, adapterConfigJson, adapterFiles, type ReadAdapter, readAdapter, saveAdapter } from "./peft.ts";
export { type HfPolicy, hfModelDirOf, loadHfPolicy } from "./policy.ts";
export { modelFromWorker, type WorkerModel, workerModelOf } from "./worker-model.ts";
