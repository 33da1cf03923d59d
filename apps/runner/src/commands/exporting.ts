import { initBackend } from "@stepwise/core/backend/index";
import { exportHf, hfModelDirOf, loadHfModel } from "@stepwise/core/hf/index";
import { loadCheckpoint } from "@stepwise/core/policy/index";
import { Effect } from "effect";

/** Load the policy and write it with {@link exportHf}; returns a one-line summary. */
export const exportPolicy = (flags: {
	readonly policy: string;
	readonly adapter: string | undefined;
	readonly tokenizerFrom: string | undefined;
	readonly out: string;
}) =>
	Effect.gen(function* () {
		yield* Effect.promise(() => initBackend());
		const hf = hfModelDirOf(flags.policy);
		const loaded =
			hf !== undefined
				? { model: yield* loadHfModel(hf, flags.adapter !== undefined ? { adapter: flags.adapter } : {}), from: hf }
				: yield* Effect.map(loadCheckpoint(flags.policy), (c) => ({
						model: c.model,
						// a checkpoint with a Hugging Face tokenizer holds its files (and chat template)
						from: c.codec.tokenizer.kind === "hf" ? flags.policy : undefined,
					}));
		const model = loaded.model;
		const tokenizerFrom = flags.tokenizerFrom ?? loaded.from;
		yield* exportHf(model, flags.out, tokenizerFrom !== undefined ? { tokenizerFrom } : {}).pipe(
			Effect.ensuring(Effect.sync(() => model.dispose())),
		);
		return `exported ${flags.policy} (${model.parameterCount} parameters) to ${flags.out}`;
	});
