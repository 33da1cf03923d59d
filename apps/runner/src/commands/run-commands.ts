import { join } from "node:path";
import { Console, Effect, Option } from "effect";
import { Command, Flag } from "effect/cli";
import { ConfigError } from "../config/overrides.ts";
import { trainMethodNames } from "../config/schema.ts";
import { writeRunFile } from "../runs/files.ts";
import { levelsFlag, levelsOption, runFlags } from "./common.ts";

/** The stages, loaded when a handler runs: `--help` and the other commands never load TensorFlow.js. */
const stages = Effect.promise(() => import("./stages.ts"));

const policyFlag = (description: string) => Flag.String("policy").pipe(Flag.withDescription(description));

/** `stepwise sft`: supervised fine-tuning on expert demonstrations. */
export const sftCommand = Command.make(
	"sft",
	{
		...runFlags,
		policy: policyFlag(
			"start from this policy instead of a fresh one: hf:DIR (a Hugging Face model directory; LoRA per lora.*) or a checkpoint",
		).pipe(Flag.optional),
	},
	Effect.fn("stepwise.sft")(function* (flags) {
		const { resolveRun, runSftStage } = yield* stages;
		const from = Option.getOrUndefined(flags.policy);
		const { ctx, run } = yield* resolveRun(flags, "sft", {}, from);
		const summary = yield* runSftStage(ctx, run, run, from);
		yield* Console.log(`SFT checkpoint: ${summary.checkpoint}`);
	}, Effect.scoped),
).pipe(
	Command.withDescription(
		"Supervised fine-tuning of a fresh policy (or of --policy, e.g. a Hugging Face model with LoRA) on the env expert's demonstrations",
	),
	Command.withExamples([
		{ command: "stepwise sft", description: "the default (Sokoban 6x6, one box)" },
		{
			command: "stepwise sft --policy hf:~/Qwen2.5-0.5B-Instruct lora.rank=16",
			description: "LoRA on a Hugging Face model, in its chat template",
		},
		{
			command: "stepwise sft sft.episodes=1000 sft.minutes=5 model.dModel=128",
			description: "more data, bigger model",
		},
	]),
);

/** `stepwise explore`: sample rollouts of a policy (SPA's exploration data). */
export const exploreCommand = Command.make(
	"explore",
	{
		...runFlags,
		policy: policyFlag("policy checkpoint directory (e.g. runs/…/sft)"),
		output: Flag.String("output").pipe(
			Flag.withDescription("trajectories JSONL (default <run>/trajectories/explore.jsonl)"),
			Flag.optional,
		),
	},
	Effect.fn("stepwise.explore")(function* (flags) {
		const { resolveRun, exploreFile, runExploreStage } = yield* stages;
		const { ctx, run } = yield* resolveRun(flags, "explore");
		const output = Option.getOrElse(flags.output, () => exploreFile(run));
		yield* runExploreStage(ctx, flags.policy, output);
	}, Effect.scoped),
).pipe(
	Command.withDescription("Sample rollouts of a policy on training tasks and write them as trajectories JSONL"),
	Command.withExamples([
		{
			command: "stepwise explore --policy runs/sokoban-6x6-1box-v0__sft__0__1700000000/sft",
			description: "exploration data",
		},
		{
			command: "stepwise explore --policy ckpt progress.tasks=200 progress.samples=8",
			description: "more tasks and samples",
		},
	]),
);

const progressTrain = Command.make(
	"train",
	{
		...runFlags,
		policy: policyFlag("SFT checkpoint to start the estimator from"),
		trajectories: Flag.String("trajectories").pipe(Flag.withDescription("exploration trajectories JSONL")),
		output: Flag.String("output").pipe(
			Flag.withDescription("estimator checkpoint directory (default <run>/progress)"),
			Flag.optional,
		),
	},
	Effect.fn("stepwise.progress.train")(function* (flags) {
		const { resolveRun, progressDir, trainProgressStage } = yield* stages;
		const { ctx, run } = yield* resolveRun(flags, "progress");
		const output = Option.getOrElse(flags.output, () => progressDir(run));
		yield* trainProgressStage(ctx, { policyDir: flags.policy, trajectories: flags.trajectories, output });
	}, Effect.scoped),
).pipe(
	Command.withDescription(
		"Train SPA's progress estimator: per-step contributions that sum to each trajectory's outcome",
	),
	Command.withExamples([
		{
			command: "stepwise progress train --policy run/sft --trajectories run/trajectories/explore.jsonl",
			description: "",
		},
	]),
);

const progressAnnotate = Command.make(
	"annotate",
	{
		...runFlags,
		estimator: Flag.String("estimator").pipe(Flag.withDescription("progress estimator checkpoint directory")),
		input: Flag.String("input").pipe(Flag.withAlias("i"), Flag.withDescription("trajectories JSONL")),
		output: Flag.String("output").pipe(Flag.withAlias("o"), Flag.withDescription("annotated trajectories JSONL")),
	},
	Effect.fn("stepwise.progress.annotate")(function* (flags) {
		const { resolveRun, annotateStage } = yield* stages;
		const { ctx } = yield* resolveRun({ ...flags, runDir: Option.some(join(flags.estimator, "annotate")) }, "progress");
		yield* annotateStage(ctx, { estimator: flags.estimator, input: flags.input, output: flags.output });
	}, Effect.scoped),
).pipe(
	Command.withDescription("Write the estimator's per-step progress into a trajectories file (step.progress)"),
	Command.withExamples([
		{
			command: "stepwise progress annotate --estimator run/progress -i explore.jsonl -o annotated.jsonl",
			description: "",
		},
	]),
);

/** `stepwise progress train|annotate`. */
export const progressCommand = Command.make("progress").pipe(
	Command.withDescription("SPA's progress estimator: train it, or annotate trajectories with it"),
	Command.withSubcommands([progressTrain, progressAnnotate]),
	Command.withExamples([
		{
			command: "stepwise progress train --policy RUN/sft --trajectories RUN/trajectories/explore.jsonl",
			description: "train",
		},
		{
			command: "stepwise progress annotate --estimator RUN/progress -i in.jsonl -o out.jsonl",
			description: "annotate",
		},
	]),
);

/** `stepwise train --method …`: the RL loop. */
export const trainCommand = Command.make(
	"train",
	{
		...runFlags,
		method: Flag.Literals("method", trainMethodNames()).pipe(
			Flag.withDescription("credit method: grpo, rloo, gigpo, rewardflow, ppo, spa, mix (default the config's)"),
			Flag.optional,
		),
		policy: policyFlag(
			"SFT checkpoint to start from, or hf:DIR (a Hugging Face model; LoRA per lora.*); not needed with --resume",
		).pipe(Flag.optional),
		progress: Flag.String("progress").pipe(Flag.withDescription("progress estimator checkpoint (spa)"), Flag.optional),
		trajectories: Flag.String("trajectories").pipe(
			Flag.withDescription(
				"with train.data=exploration: the stored (for spa, annotated) trajectories JSONL to train on",
			),
			Flag.optional,
		),
	},
	Effect.fn("stepwise.train")(function* (flags) {
		const { resolveRun, runRlStage, savedSources } = yield* stages;
		const overrides = Option.isSome(flags.method)
			? [`method.name=${flags.method.value}`, ...flags.overrides]
			: flags.overrides;
		const { ctx, run } = yield* resolveRun(
			{ ...flags, overrides },
			(c) => c.method.name,
			{},
			Option.getOrUndefined(flags.policy),
		);
		const saved = yield* savedSources(run);
		const policy = Option.getOrUndefined(flags.policy) ?? saved?.policy;
		if (policy === undefined)
			return yield* new ConfigError({
				key: "--policy",
				source: "command line",
				message: "stepwise train needs --policy <SFT checkpoint> (or --resume)",
			});
		const summary = yield* runRlStage(ctx, run, {
			policy,
			progress: Option.getOrUndefined(flags.progress) ?? saved?.progress,
			trajectories: Option.getOrUndefined(flags.trajectories) ?? saved?.trajectories,
		});
		yield* Console.log(`final checkpoint: ${summary.checkpoint}`);
	}, Effect.scoped),
).pipe(
	Command.withDescription(
		"RL from an SFT checkpoint with a credit method: rollouts → credit → update, checkpoints, resumable",
	),
	Command.withExamples([
		{ command: "stepwise train --method gigpo --policy run/sft", description: "GiGPO from an SFT policy" },
		{ command: "stepwise train --method spa --policy run/sft --progress run/progress", description: "SPA with PPO" },
		{
			command:
				"stepwise train --method spa --policy run/sft --progress run/progress --trajectories run/trajectories/explore.annotated.jsonl train.data=exploration",
			description: "SPA as released: PPO offline on the annotated exploration",
		},
		{ command: "stepwise train --method mix --policy run/sft method.mix='0.5*gigpo + 0.5*rloo'", description: "a mix" },
		{
			command: "stepwise train --method gigpo --policy run/sft rollout.filterRounds=4",
			description: "dynamic sampling: train on groups whose samples disagree",
		},
		{ command: "stepwise train --method gigpo --resume", description: "continue the newest gigpo run" },
	]),
);

/** `stepwise eval`: success, score, grounding accuracy, per task type, mean ± std over seeds. */
export const evalCommand = Command.make(
	"eval",
	{
		...runFlags,
		policy: policyFlag("expert, random, a checkpoint directory, or hf:DIR (a Hugging Face model)").pipe(
			Flag.withDefault("expert"),
		),
		levels: levelsFlag,
	},
	Effect.fn("stepwise.eval")(function* (flags) {
		const { resolveRun, loadPolicySource, evaluatePolicy, formatEvalReport } = yield* stages;
		const extra = yield* levelsOption(flags.levels);
		const { ctx, run } = yield* resolveRun(flags, "eval", extra, flags.policy);
		const source = yield* loadPolicySource(flags.policy);
		const report = yield* evaluatePolicy(ctx, source);
		yield* writeRunFile(join(run.path, "eval.json"), `${JSON.stringify(report, null, 2)}\n`);
		yield* Console.log(formatEvalReport(report));
	}, Effect.scoped),
).pipe(
	Command.withDescription("Evaluate a policy (expert, random or a checkpoint) on held-out tasks over several seeds"),
	Command.withExamples([
		{ command: "stepwise eval --policy random", description: "random admissible actions" },
		{
			command: "stepwise eval --policy runs/…/checkpoints/step_20 eval.seeds=[0,1,2,3]",
			description: "a checkpoint, 4 seeds",
		},
		{ command: "stepwise eval --policy expert --levels levels.txt", description: "Sokoban levels in Boxoban format" },
	]),
);

/** `stepwise pipeline`: the SPA README's six steps in one resumable command, ending with the SFT vs RL table. */
export const pipelineCommand = Command.make(
	"pipeline",
	{
		...runFlags,
		levels: levelsFlag,
		policy: policyFlag("SFT starts from this policy: hf:DIR (a Hugging Face model directory; LoRA per lora.*)").pipe(
			Flag.optional,
		),
	},
	Effect.fn("stepwise.pipeline")(function* (flags) {
		const { resolveRun, runPipeline } = yield* stages;
		const extra = yield* levelsOption(flags.levels);
		const from = Option.getOrUndefined(flags.policy);
		const { ctx, run } = yield* resolveRun(flags, (c) => c.method.name, extra, from);
		yield* runPipeline(ctx, run, from);
	}, Effect.scoped),
).pipe(
	Command.withDescription(
		"SFT → exploration → progress estimator → progress annotation → RL → evaluation (steps 2–4 only for SPA or offline RL), each step resumable; prints SFT vs RL",
	),
	Command.withExamples([
		{ command: "stepwise pipeline", description: "the default: Sokoban 6x6 with one box, GiGPO" },
		{
			command: "stepwise pipeline method.name=spa",
			description: "SPA: exploration, progress estimator, PPO on progress rewards",
		},
		{ command: "stepwise pipeline train.iterations=40", description: "a shorter RL stage" },
		{
			command: "stepwise pipeline --resume",
			description: "continue the newest pipeline run with the same env, method and seed",
		},
	]),
);
