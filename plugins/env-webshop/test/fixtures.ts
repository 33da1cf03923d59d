import { EpisodeMemory, type ResetRequest, type StepPromptContext, type StepResult } from "@stepwise/core";
import type { WebShopEnv } from "../src/env.ts";
import type { PageView } from "../src/pages.ts";

/** The prompt tests' instruction and task. */
export const instruction = "i need a long lasting shampoo, and price lower than 20.00 dollars";
export const task = { id: "test/1", instruction };

/** A step-prompt context on the search page, with `over` applied. */
export const promptContext = (over: Partial<StepPromptContext>): StepPromptContext => ({
	...new EpisodeMemory(task, "'Search'").stepContext(2, undefined),
	...over,
});

/** A quoted results page (23 results) listing two shampoos, on page `page` (`< Prev` from page 2). */
export const resultsObservation = (page: number): string =>
	[
		"'Back to Search'",
		`'Page ${page} (Total results: 23)'`,
		...(page > 1 ? ["'< Prev'"] : []),
		"'Next >'",
		"'B0ABCDEFGH'",
		"'Acme Long Lasting Shampoo, Sulfate Free, Natural, Salon Grade, Large'",
		"'$12.5'",
		"'B0ZZZZZZZZ'",
		"'Bolt Shampoo'",
		"'$3.99 to $7.0'",
	].join(" [SEP] ");

/** A quoted item page of the first shampoo: sizes 8 and 16 fl oz, and the given scents. */
export const itemObservation = (scents: ReadonlyArray<string>): string =>
	[
		"'Back to Search'",
		"'< Prev'",
		"'size'",
		"'8 fl oz'",
		"'16 fl oz'",
		"'scent'",
		...scents.map((s) => `'${s}'`),
		"'Acme Long Lasting Shampoo, Sulfate Free'",
		"'Price: $12.5'",
		"'Rating: N.A.'",
		"'Description'",
		"'Features'",
		"'Reviews'",
		"'Buy Now'",
	].join(" [SEP] ");

/** One step of {@link playExpert}: the expert's action, the page and compact prompt it answered, the env's answer, the memory after it. */
export interface ExpertStep {
	readonly action: string;
	readonly page: PageView | undefined;
	readonly prompt: string;
	readonly result: StepResult;
	readonly memory: EpisodeMemory;
}

/**
 * Play one episode with the env's expert through its compact prompt and projection (at most
 * `maxSteps` steps, history window `historyLength`), calling `onStep` after each; the last step's answer.
 */
export const playExpert = (
	env: WebShopEnv,
	request: ResetRequest,
	limits: { readonly maxSteps: number; readonly historyLength: number },
	onStep: (step: ExpertStep) => void = () => {},
): StepResult | undefined => {
	const reset = env.reset(request);
	const memory = new EpisodeMemory(reset.task, reset.observation);
	let last: StepResult | undefined;
	for (let t = 0; t < limits.maxSteps && last?.terminated !== true; t++) {
		const action = env.expertAction() as string;
		const page = env.page();
		const prompt = env.prompts.compact(memory.stepContext(limits.historyLength, undefined));
		const observation = memory.observation;
		last = env.step(env.prompts.project(env.prompts.formatAction(action, "compact"), "compact").action as string);
		memory.record({ observation, action, response: action, nextObservation: last.observation });
		onStep({ action, page, prompt, result: last, memory });
	}
	return last;
};
