/**
 * @stepwise/env-alfworld — ALFWorld (TextWorld version) as a Stepwise environment plugin:
 * procedural scenes from the real floor plans, both text grammars, admissible commands, the six
 * task types, oracle and searcher experts, verl-agent and ETO/SPA prompts, and transcript replay.
 */
import { registerEnv } from "@stepwise/core";
import { alfworldPlugin } from "./plugin.ts";

export { AlfworldMemory, compactMemoryPrompt } from "./compact.ts";
export { AlfworldGame, makeAlfworldEnv } from "./env.ts";
export { type GeneratedTask, generateTask, type LocationRule, makeLayout, type Split, splits } from "./generator.ts";
export { goalSatisfied, goalTemplates, parseGoal } from "./goals.ts";
export { type AlfworldOptions, decodeOptions, defaultOptions } from "./options.ts";
export { oraclePlan } from "./oracle.ts";
export { alfworldPlugin, compactSpec, currentSpec, currentSpecV1, legacySpec, legacySpecV1 } from "./plugin.ts";
export { alfworldPrompts } from "./prompts.ts";
export {
	parseTranscript,
	type ReplayResult,
	type ReplayStep,
	replayTranscript,
	sceneFromTranscript,
} from "./replay.ts";
export { admissible, type Command, commandText, execute } from "./rules.ts";
export { SearchMemory, searcherAction } from "./searcher.ts";
export type { Goal, Receptacle, Scene, SceneObject, TaskType } from "./state.ts";
export { locationMembers, sameLocation, taskTypes, WorldState } from "./state.ts";
export { type ExpertRun, runExpert, summarise } from "./sweep.ts";

/** The plugin value. */
export const plugin = alfworldPlugin;
/** The Layer registering the plugin in the environment registry. */
export const layer = registerEnv(alfworldPlugin);
