import { type BuiltPrompt, buildPrompt, EpisodeMemory } from "../env/prompt.ts";
import type { PromptStyle } from "../env/spec.ts";
import type { ManagedEnv } from "../env/time-limit.ts";
import type { ResetRequest } from "../env/types.ts";
import { type PromptCodec, stepwisePromptCodec } from "./prompt-codec.ts";
import { promptText } from "./prompting.ts";
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

/**
 * Tokenise demonstrations for SFT with our tokenizer's prompt layout. Examples longer than
 * `contextLength` lose prompt tokens from the left (as generation does); an answer alone longer
 * than the context is dropped.
 */
export const encodeDemonstrations = (
	tokenizer: Tokenizer,
	demos: ReadonlyArray<Demonstration>,
	contextLength: number,
): SftExample[] => encodeDemonstrationsWith(stepwisePromptCodec(tokenizer), demos, contextLength);

/**
 * Tokenise demonstrations for SFT through a {@link PromptCodec}: each example is the codec's prompt
 * ids and its answer ids (for a Hugging Face model, the chat template's prompt and the assistant
 * turn), cut as {@link encodeDemonstrations} cuts them.
 */
export const encodeDemonstrationsWith = (
	codec: PromptCodec,
	demos: ReadonlyArray<Demonstration>,
	contextLength: number,
): SftExample[] => {
	const out: SftExample[] = [];
	for (const d of demos) {
		let prompt = codec.promptIds(d.prompt);
		const answer = codec.answerIds(d.prompt, d.target);
		if (answer.length >= contextLength) continue;
		if (prompt.length + answer.length > contextLength)
			prompt = prompt.slice(prompt.length + answer.length - contextLength);
		out.push({ ids: [...prompt, ...answer], answerStart: prompt.length });
	}
	return out;
};

/** All text of demonstrations (prompts and answers), e.g. as a tokenizer corpus. */
export const demonstrationText = (demos: ReadonlyArray<Demonstration>): string[] =>
	demos.flatMap((d) => [promptText(d.prompt), d.target]);
