import { type BuiltPrompt, buildPrompt, EpisodeMemory } from "../env/prompt.ts";
import type { PromptStyle } from "../env/spec.ts";
import type { ManagedEnv } from "../env/time-limit.ts";
import type { ResetRequest } from "../env/types.ts";
import { hashSeed, Rng } from "../util/rng.ts";
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
	/** Off-expert actions taken by {@link DemonstrationOptions.noise} (not training targets). */
	readonly perturbed: number;
	/** Rejected commands played by {@link DemonstrationOptions.failures} (not training targets). */
	readonly failed: number;
}

/** Options of {@link collectDemonstrations}. */
export interface DemonstrationOptions {
	readonly style?: PromptStyle;
	readonly historyLength?: number;
	/**
	 * Probability that a step takes a uniformly random admissible action instead of the expert's
	 * (default 0). That step is not a demonstration; the expert's answers from the states it leads to
	 * are, so the policy sees how to recover from its own mistakes (DART: Laskey et al., 2017, "DART:
	 * Noise Injection for Robust Imitation Learning"). Needs envs that list admissible actions; steps
	 * where the env lists none stay the expert's.
	 */
	readonly noise?: number;
	/**
	 * Probability that, before an expert step, the episode plays a command the env rejects (default
	 * 0): one that was admissible at an earlier step of the episode and is not now (going where the
	 * agent stands, taking what it already took, opening what is open), the mistakes a small policy
	 * repeats. That step is not a demonstration; the expert's answer from the same state, its prompt
	 * now showing the failed command, is. So the policy learns to leave a failed command instead of
	 * repeating it. Needs envs that list admissible actions; a command the env accepts after all is
	 * kept as the episode's step (the expert answers from where it leads, as with `noise`).
	 */
	readonly failures?: number;
	/** Seed of the perturbations; each task draws from its own stream of (seed, split, index). */
	readonly noiseSeed?: number;
}

/**
 * Play the env's expert on each task (under the spec's step limit) and record, for every step, the
 * prompt in the given style (history window as the collector builds it) and the expert's formatted
 * answer. Works with any plugin whose env has an expert. With `noise`, some steps take a random
 * admissible action instead (not recorded), and the expert's answers from where they lead are; with
 * `failures`, some steps are preceded by a command the env rejects (not recorded).
 */
export const collectDemonstrations = (
	env: ManagedEnv,
	tasks: ReadonlyArray<ResetRequest>,
	options: DemonstrationOptions = {},
): DemonstrationSet => {
	const style = options.style ?? env.spec.promptStyle;
	const historyLength = options.historyLength ?? env.spec.historyLength;
	const noise = options.noise ?? 0;
	const failures = options.failures ?? 0;
	const demos: Demonstration[] = [];
	let won = 0;
	let perturbed = 0;
	let failed = 0;
	for (const request of tasks) {
		const reset = env.reset(request);
		const memory = new EpisodeMemory(reset.task, reset.observation);
		const stream = (name: string) =>
			new Rng(hashSeed(options.noiseSeed ?? 0, name, request.seed, request.split, request.index));
		const rng = noise > 0 ? stream("demo-noise") : undefined;
		const failRng = failures > 0 ? stream("demo-failures") : undefined;
		/** Commands admissible at an earlier step of this episode (in first-seen order). */
		const earlier = new Set<string>();
		let episodeWon = false;
		while (!env.done) {
			const expert = env.expertAction();
			if (expert === undefined) break;
			const admissible = env.admissibleActions();
			const prompt = buildPrompt(env.prompts, memory, style, historyLength, admissible);
			let action = expert;
			const rejected =
				failRng !== undefined && admissible !== undefined && failRng.next() < failures
					? rejectedCommand(earlier, admissible, failRng)
					: undefined;
			if (failRng !== undefined && admissible !== undefined) for (const a of admissible) earlier.add(a);
			if (rejected !== undefined) {
				action = rejected;
				failed++;
			} else if (rng !== undefined && admissible !== undefined && admissible.length > 0 && rng.next() < noise) {
				action = admissible[Math.floor(rng.next() * admissible.length)] as string;
				perturbed++;
			} else
				demos.push({
					prompt,
					target: env.prompts.formatAction(expert, style),
					action,
					taskId: reset.task.id,
					t: memory.steps.length,
				});
			const target = env.prompts.formatAction(action, style);
			const observation = memory.observation;
			const r = env.step(action);
			episodeWon = episodeWon || r.info.won;
			memory.record({ observation, action, response: target, nextObservation: r.observation });
		}
		if (episodeWon) won++;
	}
	return { demos, episodes: tasks.length, won, perturbed, failed };
};

/** A uniformly drawn command of `earlier` that `admissible` does not list now; undefined when there is none. */
const rejectedCommand = (earlier: ReadonlySet<string>, admissible: ReadonlyArray<string>, rng: Rng) => {
	const now = new Set(admissible);
	const candidates = [...earlier].filter((a) => !now.has(a));
	return candidates.length === 0 ? undefined : candidates[Math.floor(rng.next() * candidates.length)];
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
 * Tokenise demonstrations for SFT through a {@link PromptCodec} and count what did not fit: each
 * example is the codec's prompt ids and its answer ids (for a Hugging Face model, the chat
 * template's prompt and the assistant turn). Examples longer than `contextLength` lose prompt tokens
 * from the left (as generation does); an answer alone longer than the context is dropped.
 */
export const encodeDemonstrationSetWith = (
	codec: PromptCodec,
	demos: ReadonlyArray<Demonstration>,
	contextLength: number,
): EncodedDemonstrations => {
	const examples: SftExample[] = [];
	let dropped = 0;
	let truncated = 0;
	for (const d of demos) {
		let prompt = codec.promptIds(d.prompt);
		const answer = codec.answerIds(d.prompt, d.target);
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

/** {@link encodeDemonstrationSetWith} in our tokenizer's prompt layout. */
export const encodeDemonstrationSet = (
	tokenizer: Tokenizer,
	demos: ReadonlyArray<Demonstration>,
	contextLength: number,
): EncodedDemonstrations => encodeDemonstrationSetWith(stepwisePromptCodec(tokenizer), demos, contextLength);

/** The examples of {@link encodeDemonstrationSet}. */
export const encodeDemonstrations = (
	tokenizer: Tokenizer,
	demos: ReadonlyArray<Demonstration>,
	contextLength: number,
): SftExample[] => encodeDemonstrationSet(tokenizer, demos, contextLength).examples;

/** The examples of {@link encodeDemonstrationSetWith}. */
export const encodeDemonstrationsWith = (
	codec: PromptCodec,
	demos: ReadonlyArray<Demonstration>,
	contextLength: number,
): SftExample[] => encodeDemonstrationSetWith(codec, demos, contextLength).examples;

/** All text of demonstrations (prompts and answers), e.g. as a tokenizer corpus. */
export const demonstrationText = (demos: ReadonlyArray<Demonstration>): string[] =>
	demos.flatMap((d) => [promptText(d.prompt), d.target]);
