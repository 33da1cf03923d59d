/**
 * What the training commands run: the stages, which load TensorFlow.js and select a backend. The
 * commands import this module when their handler runs, never at start-up.
 */

export { evaluatePolicy, formatEvalReport, loadPolicySource } from "../stages/evaluate.ts";
export { exploreFile, runExploreStage } from "../stages/explore.ts";
export { runPipeline } from "../stages/pipeline.ts";
export { annotateStage, progressDir, trainProgressStage } from "../stages/progress.ts";
export { runRlStage, savedSources } from "../stages/rl.ts";
export { runSftStage } from "../stages/sft.ts";
export { resolveRun } from "./resolve-run.ts";
