import { Schema } from "effect";

/** The prompt styles every environment supplies templates for. */
export const PromptStyle = Schema.Literals(["step", "chat", "compact"]);
/**
 * - `step`: verl-agent / GiGPO style, one fresh user message per step (task, history window, observation).
 * - `chat`: ETO / SPA-RL style multi-turn chat with instruction, in-context example and full history.
 * - `compact`: a short step-wise prompt for small from-scratch policies; the answer is the bare action.
 */
export type PromptStyle = typeof PromptStyle.Type;

const SpecId = Schema.String.check(
	Schema.makeFilter((s: string) =>
		/^[a-z0-9][a-z0-9-]*\/[A-Za-z0-9][A-Za-z0-9._-]*-v[0-9]+$/.test(s)
			? undefined
			: `a versioned spec id like "sokoban/6x6-1box-v0", got ${JSON.stringify(s)}`,
	),
);

const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0));
const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0));
const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0));

/**
 * The policy sizes a spec is normally run with, measured on its expert's episodes in its prompt
 * style with the tokenizer the pipeline builds (see `apps/runner/scripts/measure-spec-lengths.ts`). The runner
 * uses them for `model.contextLength` and `rollout.maxNewTokens` when a run does not set those keys.
 */
export const PolicyDefaults = Schema.Struct({
	/** Tokens the policy attends to at once: room for the longest usual prompt and the answer. */
	contextLength: PositiveInt,
	/** Most tokens of one answer: the expert's longest answer (with `</act>`) and some slack. */
	maxNewTokens: PositiveInt,
});
export type PolicyDefaults = typeof PolicyDefaults.Type;

/**
 * A versioned environment spec (Gymnasium's `EnvSpec`): the id, the defaults the framework applies
 * (step limit, history window, reward scale, invalid-format penalty, prompt style) and the plugin's
 * own options, which the plugin decodes with its own Schema in `make`.
 */
export const EnvSpec = Schema.Struct({
	/** Versioned id, `<plugin>/<variant>-v<N>`, e.g. `sokoban/6x6-1box-v0`. */
	id: SpecId,
	/** One line for `stepwise envs`. */
	description: Schema.String,
	/** Step limit; reaching it truncates the episode (applied by the framework, not the env). */
	maxSteps: PositiveInt,
	/** Number of past (observation, action) pairs shown by the `step` and `compact` prompts. */
	historyLength: NonNegativeInt,
	/** Multiplier applied by the framework to every env reward (e.g. WebShop ×10 in verl-agent). */
	rewardScale: Schema.Finite,
	/** Penalty a trainer subtracts from a step whose model output was not a valid action. */
	invalidPenalty: NonNegative,
	/** The prompt style this spec is normally trained with. */
	promptStyle: PromptStyle,
	/** The policy sizes this spec is normally run with (absent: the runner's global defaults). */
	defaults: Schema.optionalKey(PolicyDefaults),
	/** Task splits; the first is the training split. */
	splits: Schema.NonEmptyArray(Schema.String),
	/** Plugin-specific options (room size, grammar version, catalogue size …). */
	options: Schema.Record(Schema.String, Schema.Unknown),
});
export type EnvSpec = typeof EnvSpec.Type;
