#!/usr/bin/env bun
import { NodeRuntime, NodeServices } from "@effect/platform-node";
import { dashboardCommand } from "@stepwise/dashboard/command";
import { Effect, Layer } from "effect";
import { CliError, Command } from "effect/cli";
import { creditCommand } from "./commands/credit.ts";
import { envsCommand } from "./commands/envs.ts";
import { EnvironmentsLive } from "./plugins.ts";

// `stepwise dashboard` needs no model: the training and serving commands (and TensorFlow.js with them) stay unloaded
const modelFree = import.meta.main && process.argv[2] === "dashboard";
const training = modelFree ? undefined : await import("./commands/run-commands.ts");
const serving = modelFree ? undefined : await import("./commands/serve.ts");

/** The `stepwise` command and its subcommands. */
export const stepwise = Command.make("stepwise").pipe(
	Command.withDescription("Stepwise: train LLM agents with RL on multi-turn text environments, with step-level credit"),
	Command.withSubcommands([
		envsCommand,
		...(training === undefined
			? []
			: [
					training.pipelineCommand,
					training.sftCommand,
					training.exploreCommand,
					training.progressCommand,
					training.trainCommand,
					training.evalCommand,
				]),
		creditCommand,
		dashboardCommand,
		...(serving === undefined ? [] : [serving.generateCommand, serving.serveCommand, serving.envServerCommand]),
	]),
	Command.withExamples([
		{ command: "stepwise envs --quiet", description: "the registered environments, one expert episode each" },
		{
			command: "stepwise pipeline",
			description: "SFT → RL → evaluation on the default (Sokoban 6x6), SFT vs RL table",
		},
		{
			command: "stepwise train --method gigpo --policy RUN/sft train.lr=1e-4",
			description: "RL from an SFT checkpoint",
		},
		{
			command: "stepwise credit --method rewardflow -i rollouts.jsonl -o credit.jsonl",
			description: "credit for any JSONL",
		},
	]),
);

/** The services the commands need: platform (files, terminal) and the registered environments. */
export const MainLive = Layer.mergeAll(NodeServices.layer, EnvironmentsLive);

/** Run the CLI on an argument list (without `bun main.ts`), as a test would. */
export const runCli = (args: ReadonlyArray<string>) =>
	Command.runWith(stepwise, { version: "0.1.0" })(args).pipe(Effect.provide(MainLive));

/** A failure as one line for the terminal (typed errors carry a message naming the key, file, line …). */
export const errorLine = (error: unknown): string => {
	const e = error as { readonly _tag?: unknown; readonly message?: unknown };
	const tag = typeof e?._tag === "string" ? `${e._tag}: ` : "";
	return `error: ${tag}${typeof e?.message === "string" ? e.message : String(error)}`;
};

if (import.meta.main) {
	Command.run(stepwise, { version: "0.1.0" }).pipe(
		// the CLI renders its own parse errors; ours get one line and exit code 1, not a stack trace
		Effect.catch((error) =>
			CliError.isCliError(error)
				? Effect.fail(error)
				: Effect.sync(() => {
						console.error(errorLine(error));
						process.exitCode = 1;
					}),
		),
		Effect.provide(MainLive),
		NodeRuntime.runMain,
	);
}
