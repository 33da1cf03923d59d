import { existsSync } from "node:fs";
import { initBackend } from "@stepwise/core/backend/index";
import { exportHf, isHfModelDir, loadHfModel } from "@stepwise/core/hf/index";
import { loadCheckpoint } from "@stepwise/core/policy/index";
import { Effect } from "effect";

/** Where a `--policy` points: `hf:DIR` or a directory with a Hugging Face `config.json` is a Hugging Face model. */
export const hfDirOf = (policy: string): string | undefined =>
	policy.startsWith("hf:") ? policy.slice(3) : existsSync(policy) && isHfModelDir(policy) ? policy : undefined;

/** Load the policy and write it with {@link exportHf}; returns a one-line summary. */
export const exportPolicy = (flags: {
	readonly policy: string;
	readonly adapter: string | undefined;
	readonly tokenizerFrom: string | undefined;
	readonly out: string;
}) =>
	Effect.gen(function* () {
		yield* Effect.promise(() => initBackend());
		const hf = hfDirOf(flags.policy);
		const model =
			hf !== undefined
				? yield* loadHfModel(hf, flags.adapter !== undefined ? { adapter: flags.adapter } : {})
				: (yield* loadCheckpoint(flags.policy)).model;
		yield* exportHf(
			model,
			flags.out,
			flags.tokenizerFrom !== undefined ? { tokenizerFrom: flags.tokenizerFrom } : {},
		).pipe(Effect.ensuring(Effect.sync(() => model.dispose())));
		return `exported ${flags.policy} (${model.parameterCount} parameters) to ${flags.out}`;
	});
