import { EnvRegistry, loadEnvPlugin } from "@stepwise/core";
import { Console, Effect, Option, Schema } from "effect";
import { Command, Flag } from "effect/cli";
import { defaultConfig } from "../config/schema.ts";
import { formatResult, formatTranscript, playExpertEpisode } from "../episode.ts";

// the remote policy (and TensorFlow.js, which core's collector brings) loads only for `--policy`:
// `stepwise envs` and the dashboard that lists it stay light
type RemoteModule = typeof import("../remote/openai-policy.ts");
type OpenAiPolicySpec = import("../remote/openai-policy.ts").OpenAiPolicySpec;

/** No registered spec matched the `--spec` prefix. */
export class NoMatchingSpecError extends Schema.TaggedError<NoMatchingSpecError>()("NoMatchingSpecError", {
	message: Schema.String,
}) {}

/** `stepwise envs`: list the registered specs and play one expert episode of each. */
export const envsCommand = Command.make(
	"envs",
	{
		plugin: Flag.String("plugin").pipe(
			Flag.withDescription(
				"also register this environment plugin: a package or file, `module[:export]` (as config key env.plugin)",
			),
			Flag.optional,
		),
		spec: Flag.String("spec").pipe(
			Flag.withDescription("only specs whose id starts with this (e.g. sokoban or alfworld/legacy-v0)"),
			Flag.optional,
		),
		seed: Flag.Int("seed").pipe(Flag.withDescription("seed of the tasks"), Flag.withDefault(0)),
		index: Flag.Int("index").pipe(Flag.withDescription("task index in the split"), Flag.withDefault(0)),
		list: Flag.Boolean("list").pipe(Flag.withDescription("only list the specs, play nothing"), Flag.withDefault(false)),
		quiet: Flag.Boolean("quiet").pipe(
			Flag.withDescription("print one result line per spec, no transcript"),
			Flag.withDefault(false),
		),
		policy: Flag.String("policy").pipe(
			Flag.withDescription("play a served model instead of the expert: openai:BASE_URL#MODEL (greedy)"),
			Flag.optional,
		),
	},
	Effect.fn("stepwise.envs")(function* ({ plugin, spec, seed, index, list, quiet, policy }) {
		const registry = yield* EnvRegistry;
		if (Option.isSome(plugin)) yield* loadEnvPlugin(plugin.value);
		const prefix = Option.getOrElse(spec, () => "");
		const specs = registry.specs().filter((s) => s.spec.id.startsWith(prefix));
		if (specs.length === 0)
			return yield* new NoMatchingSpecError({
				message: `no registered spec matches "${prefix}"; registered: ${
					registry
						.specs()
						.map((s) => s.spec.id)
						.join(", ") || "none"
				}`,
			});
		const width = Math.max(...specs.map((s) => s.spec.id.length));
		yield* Console.log(`${specs.length} environment specs:`);
		for (const { spec: s } of specs)
			yield* Console.log(
				`  ${s.id.padEnd(width)}  max ${s.maxSteps} steps, ${s.promptStyle} prompts${s.defaults !== undefined ? ` (context ${s.defaults.contextLength}, answers ≤ ${s.defaults.maxNewTokens} tokens)` : ""}, splits ${s.splits.join("/")}  ${s.description}`,
			);
		if (list) return;
		let m: RemoteModule | undefined;
		let remote: OpenAiPolicySpec | undefined;
		if (Option.isSome(policy)) {
			m = yield* Effect.promise(() => import("../remote/openai-policy.ts"));
			const parsed = m.parseOpenAiPolicy(policy.value);
			if (parsed instanceof m.RemotePolicyError) return yield* parsed;
			if (parsed === undefined)
				return yield* new m.RemotePolicyError({
					message: `--policy ${policy.value}: envs plays the expert or a served model (openai:BASE_URL#MODEL)`,
					transient: false,
				});
			remote = parsed;
		}
		const results: string[] = [];
		for (const { spec: s } of specs) {
			const env = yield* registry.make(s.id);
			const split = s.splits[0];
			if (m !== undefined && remote !== undefined) {
				const [t] = yield* m.collectRemote(remote, m.remoteOptions(defaultConfig), [env], {
					tasks: [{ seed, split: split ?? "", index }],
					greedy: true,
					maxNewTokens: defaultConfig.rollout.maxNewTokens,
				});
				if (t === undefined) continue;
				const lines = m.formatRemoteEpisode(t);
				if (!quiet)
					yield* Console.log(`\n=== ${s.id} (${remote.model}, seed ${seed}, ${split} #${index})\n${lines.transcript}`);
				results.push(`${s.id}: ${lines.result}`);
				continue;
			}
			const episode = playExpertEpisode(env, { seed, split, index });
			if (!quiet)
				yield* Console.log(`\n=== ${s.id} (expert, seed ${seed}, ${split} #${index})\n${formatTranscript(episode)}`);
			results.push(formatResult(s.id, episode));
		}
		yield* Console.log(`\n${results.join("\n")}`);
	}),
).pipe(
	Command.withDescription("List the registered environment specs and play one expert episode of each"),
	Command.withExamples([
		{ command: "stepwise envs", description: "every spec, with transcripts" },
		{ command: "stepwise envs --spec sokoban --index 3", description: "Sokoban only, task 3" },
		{ command: "stepwise envs --list", description: "just the list" },
		{ command: "stepwise envs --plugin @scope/env-x", description: "with an environment plugin from a package" },
	]),
);
