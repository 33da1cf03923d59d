/**
 * Token lengths of every registered spec's prompts and expert answers, per prompt style, with the
 * tokenizer the SFT stage builds (from the training demonstrations' text): the measurements behind
 * each spec's `defaults` (`model.contextLength`, `rollout.maxNewTokens`).
 *
 *   cd apps/runner && nice -n 10 bun scripts/measure-spec-lengths.ts [episodes=200] [spec-prefix]
 *
 * Prints one Markdown row per spec and style: prompt tokens mean / p90 / p99 / max and answer tokens
 * (the `</act>` included) mean / max, over the expert's steps on the first `episodes` train tasks.
 */
import { EnvRegistry, type PromptStyle } from "@stepwise/core";
import {
	buildTokenizer,
	collectDemonstrations,
	demonstrationText,
	encodeAnswer,
	encodePrompt,
	makeEnvs,
} from "@stepwise/core/policy/index";
import { Effect } from "effect";
import { EnvironmentsLive } from "../src/plugins.ts";

const episodes = Number(process.argv[2] ?? 200);
const only = process.argv[3] ?? "";
const styles: ReadonlyArray<PromptStyle> = ["compact", "step", "chat"];

const quantile = (sorted: ReadonlyArray<number>, q: number): number =>
	sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

const program = Effect.gen(function* () {
	const registry = yield* EnvRegistry;
	console.log("| spec | style | steps | prompt mean | p90 | p99 | max | answer mean | max |");
	console.log("|---|---|---|---|---|---|---|---|---|");
	for (const { spec, plugin } of registry.specs()) {
		if (!spec.id.startsWith(only)) continue;
		const [env] = yield* makeEnvs(plugin, spec, 1);
		if (env === undefined) continue;
		const split = spec.splits[0] as string;
		const tasks = Array.from({ length: episodes }, (_, index) => ({ seed: 0, split, index }));
		for (const style of styles) {
			const set = collectDemonstrations(env, tasks, { style });
			if (set.demos.length === 0) continue;
			const tokenizer = buildTokenizer(demonstrationText(set.demos));
			const prompts = set.demos.map((d) => encodePrompt(tokenizer, d.prompt).length).sort((a, b) => a - b);
			const answers = set.demos.map((d) => encodeAnswer(tokenizer, d.target).length).sort((a, b) => a - b);
			const mean = (xs: ReadonlyArray<number>) => (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1);
			const mark = style === spec.promptStyle ? ` (spec's)` : "";
			console.log(
				`| ${spec.id} | ${style}${mark} | ${set.demos.length} | ${mean(prompts)} | ${quantile(prompts, 0.9)} | ${quantile(prompts, 0.99)} | ${prompts.at(-1)} | ${mean(answers)} | ${answers.at(-1)} |`,
			);
		}
	}
});

await Effect.runPromise(program.pipe(Effect.provide(EnvironmentsLive)));
