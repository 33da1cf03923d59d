import { Console, Effect, Option } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { writeRunFile } from "../runs/files.ts";

/** `stepwise summary`: finished pipeline runs of one recipe (e.g. seeds 0, 1, 2) as one table. */
export const summaryCommand = Command.make(
	"summary",
	{
		out: Flag.String("out").pipe(
			Flag.withDescription("also write the table to this Markdown file (atomically)"),
			Flag.optional,
		),
		runs: Argument.String("run-dir").pipe(
			Argument.withDescription("finished pipeline run directories (eval-sft.json, eval-rl.json, sft/sft.json)"),
			Argument.atLeast(1),
		),
	},
	Effect.fn("stepwise.summary")(function* ({ out, runs }) {
		const { readRunFigures, summariseRuns, formatRunsSummary } = yield* Effect.promise(
			() => import("../stages/summary.ts"),
		);
		const figures = yield* Effect.forEach(runs, readRunFigures);
		const text = formatRunsSummary(yield* summariseRuns(figures));
		if (Option.isSome(out)) yield* writeRunFile(out.value, `${text}\n`);
		yield* Console.log(text);
	}),
).pipe(
	Command.withDescription(
		"Table finished pipeline runs of one recipe (e.g. seeds 0, 1, 2): SFT and RL mean ± std over the runs, RL vs SFT paired and pooled over them",
	),
	Command.withExamples([
		{
			command: "stepwise summary runs/ws-s0 runs/ws-s1 runs/ws-s2",
			description: "the WebShop recipe's three training seeds",
		},
	]),
);
