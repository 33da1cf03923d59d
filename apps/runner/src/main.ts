#!/usr/bin/env bun
import * as NodeRuntime from "@effect/platform-node/NodeRuntime";
import * as NodeServices from "@effect/platform-node/NodeServices";
import { dashboardCommand } from "@stepwise/dashboard/command";
import { Cause, Effect, Layer } from "effect";
import { CliError, Command } from "effect/cli";
import { compareCommand } from "./commands/compare.ts";
import { creditCommand } from "./commands/credit.ts";
import { envsCommand } from "./commands/envs.ts";
import { exportCommand } from "./commands/export.ts";
import {
	evalCommand,
	exploreCommand,
	pipelineCommand,
	progressCommand,
	sftCommand,
	trainCommand,
} from "./commands/run-commands.ts";
import { envServerCommand, generateCommand, serveCommand } from "./commands/serve.ts";
import { summaryCommand } from "./commands/summary.ts";
import { ExitCode, reportCause } from "./errors.ts";
import { EnvironmentsLive } from "./plugins.ts";

/** The `stepwise` command and its subcommands. */
export const stepwise = Command.make("stepwise").pipe(
	Command.withDescription("Stepwise: train LLM agents with RL on multi-turn text environments, with step-level credit"),
	Command.withSubcommands([
		envsCommand,
		pipelineCommand,
		sftCommand,
		exploreCommand,
		progressCommand,
		trainCommand,
		evalCommand,
		compareCommand,
		summaryCommand,
		creditCommand,
		dashboardCommand,
		generateCommand,
		serveCommand,
		envServerCommand,
		exportCommand,
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

export { errorLine } from "./errors.ts";

if (import.meta.main) {
	Command.run(stepwise, { version: "0.1.0" }).pipe(
		Effect.provide(MainLive),
		// the CLI renders its own parse errors (exit 2); ours get one line and their exit code, never a stack trace
		Effect.catchCause((cause) =>
			// interruption stays interruption: the runtime exits with 130
			Cause.hasInterruptsOnly(cause)
				? Effect.failCause(cause)
				: Effect.sync(() => {
						const cliError = cause.reasons.find((r) => r._tag === "Fail" && CliError.isCliError(r.error));
						if (cliError !== undefined) process.exitCode = ExitCode.input;
						else {
							const report = reportCause(cause);
							for (const line of report.lines) console.error(line);
							process.exitCode = report.code;
						}
					}),
		),
		NodeRuntime.runMain({ disableErrorReporting: true }),
	);
}
