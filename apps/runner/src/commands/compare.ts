import { Console, Effect, Option } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { CompareConfig, defaultCompareConfig } from "../compare/config.ts";
import { resolveConfig } from "../config/decode.ts";

const listFlag = (name: string, description: string) =>
	Flag.String(name).pipe(Flag.withDescription(description), Flag.optional);

const splitList = (text: string): string[] =>
	text
		.split(text.includes(";") ? ";" : ",")
		.map((s) => s.trim())
		.filter((s) => s !== "");

/** `stepwise compare`: methods × environments × seeds from one config, then compare.md/json and plots. */
export const compareCommand = Command.make(
	"compare",
	{
		config: Flag.String("config").pipe(
			Flag.withAlias("c"),
			Flag.withDescription(
				"compare config YAML (out, envs, methods, seeds, sftSeed, baseline, envSteps, overrides, claims)",
			),
			Flag.optional,
		),
		out: listFlag("out", "output directory (runs, compare.md, compare.json, plots)"),
		envs: listFlag("envs", "env spec ids, comma-separated (overrides the config's envs)"),
		methods: listFlag(
			"methods",
			"methods or mixes, separated by ';' when a mix has commas (e.g. 'grpo;gigpo;0.5*gigpo + 0.5*rewardflow')",
		),
		seeds: listFlag("seeds", "training seeds, comma-separated"),
		sftSeed: Flag.Int("sft-seed").pipe(
			Flag.withDescription("train one SFT policy per environment, with this seed, that every seed's RL starts from"),
			Flag.optional,
		),
		envSteps: Flag.Int("env-steps").pipe(Flag.withDescription("RL environment steps per run"), Flag.optional),
		report: Flag.Boolean("report").pipe(
			Flag.withDescription("train nothing: write compare.md, compare.json and the plots from the runs finished so far"),
			Flag.withDefault(false),
		),
		overrides: Argument.String("key=value").pipe(
			Argument.withDescription("run-config overrides for every run (e.g. rollout.workers=1 eval.tasks=200)"),
			Argument.variadic(),
		),
	},
	Effect.fn("stepwise.compare")(function* (flags) {
		const { runCompare, configBase } = yield* Effect.promise(() => import("../compare/run.ts"));
		const file = Option.getOrUndefined(flags.config);
		const cli: Record<string, unknown> = {};
		if (Option.isSome(flags.out)) cli.out = flags.out.value;
		if (Option.isSome(flags.envs)) cli.envs = splitList(flags.envs.value);
		if (Option.isSome(flags.methods)) cli.methods = splitList(flags.methods.value);
		if (Option.isSome(flags.seeds)) cli.seeds = splitList(flags.seeds.value).map(Number);
		if (Option.isSome(flags.envSteps)) cli.envSteps = flags.envSteps.value;
		if (Option.isSome(flags.sftSeed)) cli.sftSeed = flags.sftSeed.value;
		const base = yield* resolveConfig(CompareConfig, { file, base: defaultCompareConfig });
		const config = yield* resolveConfig(CompareConfig, {
			base: { ...base, ...cli, overrides: [...base.overrides, ...flags.overrides] },
		});
		const command = ["stepwise compare", ...process.argv.slice(3)].join(" ");
		const result = yield* runCompare(config, configBase(file), command, { reportOnly: flags.report });
		yield* Console.log(result.markdown);
	}),
).pipe(
	Command.withDescription(
		"Compare credit methods: methods × environments × seeds on equal env-step budgets from one shared SFT policy; writes compare.md, compare.json and plots",
	),
	Command.withExamples([
		{
			command: "stepwise compare --config apps/runner/configs/compare/sokoban.yaml",
			description: "the Sokoban comparison of docs/results/compare-sokoban.md",
		},
		{
			command: "stepwise compare --methods 'grpo;gigpo;0.5*gigpo + 0.5*rewardflow' --seeds 0,1,2 --env-steps 20000",
			description: "three methods, three seeds, the default environment",
		},
	]),
);
