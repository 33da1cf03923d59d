import { Console, Effect, Option } from "effect";
import { Command, Flag } from "effect/cli";

/** `stepwise export`: a policy (checkpoint or Hugging Face directory) as a Hugging Face model directory. */
export const exportCommand = Command.make(
	"export",
	{
		policy: Flag.String("policy").pipe(
			Flag.withDescription("a policy checkpoint directory, or hf:DIR (a Hugging Face model directory)"),
		),
		adapter: Flag.String("adapter").pipe(
			Flag.withDescription("a PEFT LoRA adapter directory to merge into an hf:DIR policy"),
			Flag.optional,
		),
		tokenizerFrom: Flag.String("tokenizer-from").pipe(
			Flag.withDescription("a Hugging Face directory whose tokenizer files and chat template to copy"),
			Flag.optional,
		),
		out: Flag.String("out").pipe(Flag.withDescription("the directory to write (replaced atomically)")),
	},
	Effect.fn("stepwise.export")(function* (flags) {
		const { exportPolicy } = yield* Effect.promise(() => import("./exporting.ts"));
		const written = yield* exportPolicy({
			policy: flags.policy,
			adapter: Option.getOrUndefined(flags.adapter),
			tokenizerFrom: Option.getOrUndefined(flags.tokenizerFrom),
			out: flags.out,
		});
		yield* Console.log(written);
	}),
).pipe(
	Command.withDescription("Write a Llama-family policy as a Hugging Face model directory (LoRA merged)"),
	Command.withExamples([
		{ command: "stepwise export --policy RUN/rl --tokenizer-from ~/Qwen2.5-0.5B --out qwen-rl", description: "" },
		{ command: "stepwise export --policy hf:~/Qwen2.5-0.5B --adapter RUN/adapter --out merged", description: "" },
	]),
);
