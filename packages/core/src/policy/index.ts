/**
 * The policy: a small decoder-only transformer LM in TensorFlow.js with value and progress heads,
 * its tokenizer, batched generation with a KV cache, token scoring for trainers, safetensors
 * checkpoints, the lock-step rollout collector, rollout workers on other cores and the SFT trainer.
 */
export {
	CHECKPOINT_FILES,
	CHECKPOINT_VERSION,
	type CheckpointConfig,
	CheckpointEnv,
	type CheckpointInput,
	type LoadedCheckpoint,
	loadCheckpoint,
	readCheckpointConfig,
	saveCheckpoint,
} from "./checkpoint.ts";
export {
	type Answer,
	type AnswerRow,
	type CollectOptions,
	collectRollouts,
	collectRolloutsWith,
	localAnswers,
	makeEnvs,
	type Policy,
	successRate,
} from "./collector.ts";
export { ATTENTION_BUDGET_BYTES, attentionRows, decodeModelConfig, ModelConfig, parameterCount } from "./config.ts";
export {
	collectDemonstrations,
	type Demonstration,
	type DemonstrationOptions,
	type DemonstrationSet,
	demonstrationText,
	type EncodedDemonstrations,
	encodeDemonstrationSet,
	encodeDemonstrationSetWith,
	encodeDemonstrations,
	encodeDemonstrationsWith,
	type SftExample,
} from "./demos.ts";
export { CheckpointError, PolicyConfigError } from "./errors.ts";
export {
	type Generation,
	generate,
	generateSteps,
	type PartialGeneration,
	type SamplingOptions,
} from "./generate.ts";
export {
	attention,
	disposeCache,
	type ForwardOptions,
	type ForwardResult,
	geluTanh,
	type KvCache,
	parameterShapes,
	SLICED_ATTENTION_MIN_QUERIES,
	TransformerPolicy,
} from "./model.ts";
export type {
	ForwardOptions as PolicyForwardOptions,
	PolicyModel,
	PolicyShape,
} from "./policy-model.ts";
export {
	type CodecTokenizer,
	type CodecTokenizerSpec,
	codecTokenizerSpec,
	type PromptCodec,
	stepwisePromptCodec,
} from "./prompt-codec.ts";
export { decodeAnswer, encodeAnswer, encodePrompt, promptText } from "./prompting.ts";
export { RolloutPool, RolloutWorkerError } from "./rollout-pool.ts";
export type { RolloutWorkerInit } from "./rollout-protocol.ts";
export {
	decodeSafetensors,
	encodeSafetensors,
	type NamedTensor,
	type ReadTensor,
	type SafetensorsFile,
} from "./safetensors.ts";
export {
	evaluateAt,
	evaluateTokens,
	type PackedBatch,
	type PickedOutputs,
	packMask,
	packSequences,
	type ScoreHelpers,
	type ScoreOptions,
	type SequenceScores,
	scoreBatch,
	scoreSequences,
	type TokenOutputs,
} from "./score.ts";
export {
	answerTokens,
	evaluateSftLoss,
	type SftEvalPoint,
	type SftGradientHelpers,
	type SftOptions,
	type SftResult,
	SftRun,
	SftRunState,
	type SftSnapshot,
	sftChunkGradient,
	sftChunkLoss,
	sftLoss,
	trainSft,
} from "./sft.ts";
export {
	type BuildTokenizerOptions,
	buildTokenizer,
	type Chunking,
	chunkText,
	SPECIAL_TOKENS,
	type SpecialToken,
	TOKENIZER_VERSION,
	Tokenizer,
	TokenizerJson,
} from "./tokenizer.ts";
