import { type BuiltPrompt, buildPrompt, EpisodeMemory } from "../env/prompt.ts";
import type { PromptStyle } from "../env/spec.ts";
import type { ManagedEnv } from "../env/time-limit.ts";
import type { ResetRequest } from "../env/types.ts";
import { encodeAnswer, encodePrompt, promptText } from "./prompting.ts";
import type { Tokenizer } from "./tokenizer.ts";

/** One expert step: the prompt the policy would see and the answer text the expert's action maps to. */
export interface Demonstration {
	readonly prompt: BuiltPrompt;
	/** `formatAction(expertAction, style)`: the SFT target text. */
	readonly target: string;
	/** The env action the expert took. */
	readonly action: string;
	readonly taskId: string;
	readonly t: number;
}

/** Result of {@link collectDemonstrations}. */
export interface DemonstrationSet {
	readonly demos: Demonstration[];
	/** Episodes played and how many the expert won. */
	readonly episodes: number;
	readonly won: number;
}

/**
 * Play the env's expert on each task (under the spec's step limit) and record, for every step, the
 * prompt in the given style (history window as the collector builds it) and the expert's formatted
 * answer. Works with any plugin whose env has an expert.
 */
export const collectDemonstrations = (
	env: ManagedEnv,
	tasks: ReadonlyArray<ResetRequest>,
	options: { readonly style?: PromptStyle; readonly historyLength?: number } = {},
): DemonstrationSet => {
	const style = options.style ?? env.spec.promptStyle;
	const historyLength = options.historyLength ?? env.spec.historyLength;
	const demos: Demonstration[] = [];
	let won = 0;
	for (const request of tasks) {
		const reset = env.reset(request);
		const memory = new EpisodeMemory(reset.task, reset.observation);
		let episodeWon = false;
		while (!env.done) {
			const action = env.expertAction();
			if (action === undefined) break;
			const prompt = buildPrompt(env.prompts, memory, style, historyLength, env.admissibleActions());
			const target = env.prompts.formatAction(action, style);
			demos.push({ prompt, target, action, taskId: reset.task.id, t: memory.steps.length });
			const observation = memory.observation;
			const r = env.step(action);
			episodeWon = episodeWon || r.info.won;
			memory.record({ observation, action, response: target, nextObservation: r.observation });
		}
		if (episodeWon) won++;
	}
	return { demos, episodes: tasks.length, won };
};

/** A tokenised training example: `ids` = prompt + answer; the loss covers positions ≥ `answerStart`. */
export interface SftExample {
	readonly ids: number[];
	readonly answerStart: number;
}

/** {@link encodeDemonstrationSet}'s result: the examples and what did not fit the context. */
export interface EncodedDemonstrations {
	readonly examples: SftExample[];
	/** Demonstrations left out: their answer alone does not fit in the context. */
	readonly dropped: number;
	/** Examples that kept only the right end of their prompt (prompt tokens cut from the left). */
	readonly truncated: number;
}

/**
 * Tokenise demonstrations for SFT and count what did not fit. Examples longer than `contextLength`
 * lose prompt tokens from the left (as generation does); an answer alone longer than the context is
 * dropped.
 */
export const encodeDemonstrationSet = (
	tokenizer: Tokenizer,
	demos: ReadonlyArray<Demonstration>,
	contextLength: number,
): EncodedDemonstrations => {
	const examples: SftExample[] = [];
	let dropped = 0;
	let truncated = 0;
	for (const d of demos) {
		let prompt = encodePrompt(tokenizer, d.prompt);
		const answer = encodeAnswer(tokenizer, d.target);
		if (answer.length >= contextLength) {
			dropped++;
			continue;
		}
		if (prompt.length + answer.length > contextLength) {
			prompt = prompt.slice(prompt.length + answer.length - contextLength);
			truncated++;
		}
		examples.push({ ids: [...prompt, ...answer], answerStart: prompt.length });
	}
	return { examples, dropped, truncated };
};

/** The examples of {@link encodeDemonstrationSet}. */
export const encodeDemonstrations = (
	tokenizer: Tokenizer,
	demos: ReadonlyArray<Demonstration>,
	contextLength: number,
): SftExample[] => encodeDemonstrationSet(tokenizer, demos, contextLength).examples;

/** All text of demonstrations (prompts and answers), e.g. as a tokenizer corpus. */
export const demonstrationText = (demos: ReadonlyArray<Demonstration>): string[] =>
	demos.flatMap((d) => [promptText(d.prompt), d.target]);
