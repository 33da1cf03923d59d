import type { Effect } from "effect";
import type { EnvConfigError } from "./errors.ts";
import type { EnvSpec, PromptStyle } from "./spec.ts";

/** A JSON value, for the free-form `extra` fields of infos. */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json };

/**
 * What `reset` takes. The task is a pure function of all three: the same `(seed, split, index)`
 * gives the same task on any machine. `split` must be one of `spec.splits`; plugins keep the
 * splits' tasks disjoint.
 */
export interface ResetRequest {
	readonly seed: number;
	readonly split: string;
	readonly index: number;
}

/** The task an episode pursues. */
export interface TaskInfo {
	/**
	 * Stable id, unique within (spec, split): one id names one task whatever the seed, so an id
	 * includes the seed where the task depends on it (`train/0/42`), and not where it does not
	 * (WebShop's fixed goal list, Boxoban's levels, a game file name). Evaluations pair tasks by it.
	 */
	readonly id: string;
	/** Task type for per-type reporting (ALFWorld's six types, Search's hop types …), if the env has types. */
	readonly type?: string;
	/** The goal as the agent is told it. */
	readonly instruction: string;
}

/** `reset`'s answer: the first observation and the task. */
export interface ResetResult {
	readonly observation: string;
	readonly task: TaskInfo;
	readonly info: { readonly extra?: { readonly [key: string]: Json } };
}

/** Per-step info: the fields every credit method and metric relies on. */
export interface StepInfo {
	/** The task is accomplished (success). */
	readonly won: boolean;
	/** The action was understood and executable (grounding); false for garbage and for failed preconditions. */
	readonly valid: boolean;
	/** The env's own score so far (WebShop's [0,1] score, Sokoban's boxes on target fraction, …). */
	readonly score: number;
	readonly extra?: { readonly [key: string]: Json };
}

/** Gymnasium's step answer. `terminated`: an MDP terminal; `truncated`: cut off (step limit). */
export interface StepResult {
	readonly observation: string;
	readonly reward: number;
	readonly terminated: boolean;
	readonly truncated: boolean;
	readonly info: StepInfo;
}

/** One past step in a prompt's history window: the observation the action was taken from, and the action. */
export interface HistoryEntry {
	readonly observation: string;
	readonly action: string;
}

/** Everything a step-wise (`step` / `compact`) prompt template may use. */
export interface StepPromptContext {
	readonly task: TaskInfo;
	/** The current observation (the state the next action is taken from). */
	readonly observation: string;
	/** The last `historyLength` steps, oldest first. */
	readonly history: ReadonlyArray<HistoryEntry>;
	/** 1-based number of `history[0]` (verl-agent numbering continues from the true step index). */
	readonly historyStart: number;
	/** Steps taken so far in this episode. */
	readonly stepCount: number;
	/** The history window the spec asked for (templates print it). */
	readonly historyLength: number;
	/** Admissible actions now, where the env has them. */
	readonly admissibleActions: ReadonlyArray<string> | undefined;
}

/** One chat message of the ETO / SPA-RL transcript. */
export interface ChatMessage {
	readonly role: "system" | "user" | "assistant";
	readonly content: string;
}

/**
 * Model text turned into an env action. `action === undefined` means the harness does not call the
 * env (ETO's "no `Action:`" case): the step still counts and `feedback` is the next observation.
 * Otherwise the action is executed even when `valid` is false (verl-agent executes garbage too).
 */
export interface Projection {
	readonly action: string | undefined;
	readonly valid: boolean;
	readonly feedback?: string;
}

/** The prompt templates and projection of one environment. */
export interface EnvPrompts {
	/** verl-agent step-wise prompt (byte-exact to the reference templates). */
	step(ctx: StepPromptContext): string;
	/** Short step-wise prompt for small policies; the expected answer is the bare action text. */
	compact(ctx: StepPromptContext): string;
	/** ETO / SPA chat opening: instruction, "OK", in-context example, then the task turn. */
	chatPrefix(task: TaskInfo, firstObservation: string): ReadonlyArray<ChatMessage>;
	/** The user turn that reports an observation in the chat style (e.g. `Observation: …`). */
	chatObservation(observation: string): string;
	/** Model text → action, by the rules of the given style's harness. Never throws. */
	project(text: string, style: PromptStyle): Projection;
	/** The text a policy should emit (in the given style) to take `action`; used to build SFT targets. */
	formatAction(action: string, style: PromptStyle): string;
}

/**
 * A live environment instance. Methods are synchronous: env dynamics are the hot path.
 *
 * Contract (checked by `checkEnv`): `reset` is deterministic in its request; `step` is
 * deterministic in the state and action; any action text (empty, huge, unicode, control
 * characters) is answered, never thrown on, with `info.valid = false` when it is not an action;
 * `step` before `reset` or after `terminated`/`truncated` throws `EnvUsageError`; queries
 * (`admissibleActions`, `stateKey`, `expertAction`) do not change the state.
 * The raw env applies no step limit: the framework's `TimeLimit` does.
 */
export interface Env {
	readonly spec: EnvSpec;
	readonly prompts: EnvPrompts;
	reset(request: ResetRequest): ResetResult;
	step(action: string): StepResult;
	/** Sorted admissible commands, where the benchmark has them. */
	admissibleActions(): ReadonlyArray<string> | undefined;
	/** Canonical history-free state: GiGPO's anchor and RewardFlow's graph node. */
	stateKey(): string;
	/** The env expert's next action (for demonstrations), or undefined once the episode is over. */
	expertAction(): string | undefined;
}

/**
 * An environment plugin: one package exports one of these, and a Layer registering it.
 * `make` merges `overrides` into `spec.options`, decodes them with the plugin's Schema and fails
 * with `EnvConfigError` naming the option at fault.
 */
export interface EnvPlugin {
	/** Plugin id: the prefix of its spec ids (`sokoban`). */
	readonly id: string;
	readonly description: string;
	readonly specs: ReadonlyArray<EnvSpec>;
	make(spec: EnvSpec, overrides?: { readonly [key: string]: unknown }): Effect.Effect<Env, EnvConfigError>;
}
