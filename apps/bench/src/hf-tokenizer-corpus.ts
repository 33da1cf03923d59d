/**
 * Environment text for the Hugging Face tokenizer fixtures: plays the expert on a few tasks of
 * every registered spec, in every prompt style, and prints a JSON array of the texts the policy
 * would see and write (step/compact prompts, chat messages and the expert's answers), in a fixed
 * order. `scripts/hf-tokenizer-fixtures.py` runs it, trains its tokenizers on the output and draws
 * the reference strings from it.
 *
 *   bun run apps/bench/src/hf-tokenizer-corpus.ts [--tasks 3] > corpus.json
 */
import { parseArgs } from "node:util";
import { EnvRegistry } from "@stepwise/core";
import { collectDemonstrations } from "@stepwise/core/policy/index";
import { EnvironmentsLive } from "@stepwise/runner/plugins";
import { Effect } from "effect";

const { values: a } = parseArgs({ options: { tasks: { type: "string", default: "3" } } });
const taskCount = Number(a.tasks);

const texts = await Effect.runPromise(
	Effect.gen(function* () {
		const registry = yield* EnvRegistry;
		const out: string[] = [];
		for (const { spec } of registry.specs()) {
			const env = yield* registry.make(spec.id);
			const split = spec.splits[0];
			const tasks = Array.from({ length: taskCount }, (_, index) => ({ seed: 0, split, index }));
			for (const style of ["step", "compact", "chat"] as const) {
				const { demos } = collectDemonstrations(env, tasks, { style });
				// Long episodes (Boxoban's 200 steps) would swamp the corpus: keep the first 12 steps of each.
				for (const d of demos.filter((x) => x.t < 12)) {
					if (d.prompt.style === "chat") {
						// The chat prefix repeats every step; take it once per episode, then the last turn.
						const messages = d.t === 0 ? d.prompt.messages : d.prompt.messages.slice(-1);
						for (const m of messages) out.push(m.content);
					} else out.push(d.prompt.text);
					out.push(d.target);
				}
			}
		}
		return out;
	}).pipe(Effect.provide(EnvironmentsLive)),
);
console.log(JSON.stringify(texts));
