/**
 * Trainers: the token losses (PPO-clip with dual clip, token-mean aggregation, entropy, low-variance
 * KL, clipped value loss, SPA's progress MSE), the group-relative update (any credit method's step
 * advantages broadcast over action tokens), PPO with a critic (step rewards on each action's last
 * token, GAE, whitening), SPA's progress estimator (train, annotate, validate) and the training loop
 * (rollout → credit → update) with per-iteration metrics and resumable checkpoints. Credit methods
 * come in as an injected function that returns per-row values, which core alone places on tokens
 * (`../credit/`): core never imports `@stepwise/rewards`.
 */
export {
	disposePacked,
	type FitOptions,
	flattenPerRow,
	type PackedArrays,
	type PackedRows,
	packedTensors,
	packRowArrays,
	packRows,
	type RowBatch,
	type RowScores,
	rowCount,
	scoreRows,
	type TokenColumns,
	type TokenRow,
	toRowBatch,
} from "./batch.ts";
export {
	type LoadedTrainerCheckpoint,
	loadTrainerCheckpoint,
	saveTrainerCheckpoint,
	type TrainerCheckpointInput,
	TrainerStateSchema,
} from "./checkpoint.ts";
export type {
	ChunkJob,
	ChunkLossSettings,
	ChunkResult,
	GradientHelpers,
	MergedSums,
} from "./chunk-loss.ts";
export { decodeTrainerConfig, TrainConfigError, TrainerConfigSchema } from "./config.ts";
export {
	type FilteredRollouts,
	filterRounds,
	type GroupFilter,
	isMixed,
	runFilterRounds,
	runFilterRoundsAsync,
} from "./filter.ts";
export {
	groupRelativeUpdate,
	oldAndReference,
	type StepAdvantages,
	type StepCredit,
	type UpdateContext,
} from "./group.ts";
export {
	type Algorithm,
	type CreditContext,
	type CreditFn,
	type IterationRecord,
	type RolloutSettings,
	Trainer,
	type TrainerOptions,
	type TrainerState,
} from "./loop.ts";
export {
	aggregateLoss,
	entropyLoss,
	type KlEstimator,
	klPenalty,
	type LossAggregation,
	maskedMean,
	type PpoClipOptions,
	type PpoClipResult,
	ppoClipLoss,
	progressLoss,
	type ValueLossResult,
	valueLoss,
} from "./losses.ts";
export { type Metrics, meanStd, rolloutMetrics, truncationMetrics } from "./metrics.ts";
export { offlineBatches } from "./offline.ts";
export {
	accumulatedStep,
	type ChunkGradient,
	clippedStep,
	type GradientSource,
	type OptimizerStepResult,
	setLearningRate,
} from "./optim.ts";
export {
	type Critic,
	type PpoConfig,
	type PpoStepOptions,
	type PpoStepResult,
	ppoDefaults,
	ppoStep,
	ppoUpdate,
} from "./ppo.ts";
export {
	annotateBatch,
	annotateProgress,
	auc,
	type ContributionOptions,
	ESTIMATOR_MICRO_BATCH,
	type EstimatorPart,
	type EstimatorSettings,
	estimatorLoss,
	estimatorPartGradient,
	estimatorVariables,
	fitProgressHead,
	isNoOpStep,
	type NoOpProgress,
	type Outcome,
	type ProgressGradientHelpers,
	type ProgressProbeOptions,
	type ProgressTrainOptions,
	type ProgressValidation,
	stepContributions,
	trainProgressEstimator,
	trajectoryContributions,
	validateProgress,
	wonOutcome,
} from "./progress.ts";
export { pickHardTasks, screenCollectOptions, type TaskScreen } from "./screen.ts";
export { explainedVariance, summary } from "./stats.ts";
export { runUpdate, type UpdateConfig, type UpdateInputs, updateDefaults, type ValueTargets } from "./update.ts";
export {
	denormalizeValues,
	emptyValueNorm,
	normalizeValues,
	updateValueNorm,
	type ValueNormState,
} from "./value-norm.ts";
