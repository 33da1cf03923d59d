import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Effect } from "effect";
import type { PolicyModel } from "../policy/policy-model.ts";
import { encodeSafetensors } from "../policy/safetensors.ts";
import { toHfConfig } from "./config.ts";
import type { HfModelError } from "./errors.ts";
import { LlamaPolicy, llamaParameterShapes } from "./llama.ts";
import { attempt, fail, HF_FILES } from "./load.ts";
import { headsFile } from "./peft.ts";
import { TOKENIZER_FILES } from "./tokenizer.ts";
import { writeDirAtomically } from "./write.ts";

export { TOKENIZER_FILES };

/** Options of {@link exportHf}. */
export interface ExportOptions {
	/** The Hugging Face directory whose tokenizer files (and chat template) to copy; default the model's source. */
	readonly tokenizerFrom?: string;
	/** Extra files to write beside (name → contents), e.g. a tokenizer we built. */
	readonly extraFiles?: Readonly<Record<string, string | Uint8Array>>;
}

/**
 * Write a policy as a Hugging Face model directory that transformers loads (`AutoModelForCausalLM.
 * from_pretrained(dir)`): `config.json`, `model.safetensors` (float32, LoRA adapters merged into
 * the base weights), the tokenizer files of the source directory, and our value and progress heads
 * in `stepwise_heads.safetensors` (transformers ignores it; Stepwise reads it back). Atomic. Our
 * GPT has no Hugging Face counterpart (its LM head has a bias and its own line/column embeddings),
 * so exporting it fails with a typed error: train with `model.arch=llama` to export.
 */
export const exportHf = (
	model: PolicyModel,
	dir: string,
	options: ExportOptions = {},
): Effect.Effect<void, HfModelError> =>
	Effect.gen(function* () {
		if (!(model instanceof LlamaPolicy))
			return yield* fail(
				dir,
				`a ${model.arch} policy cannot be exported to the Hugging Face layout: no transformers class computes our GPT (biased LM head, learned positions, line/column embeddings); train with model.arch=llama to export`,
			);
		const config = yield* attempt(join(dir, HF_FILES.config), () => toHfConfig(model.config));
		const merged = model.mergedValues();
		const weights = encodeSafetensors(
			llamaParameterShapes(model.config).map(([name, shape]) => ({
				name,
				shape,
				data: merged.get(name) as Float32Array,
			})),
			{ format: "pt" },
		);
		const files: Record<string, string | Uint8Array> = {
			[HF_FILES.config]: `${JSON.stringify(config, null, 2)}\n`,
			[HF_FILES.weights]: weights,
			[HF_FILES.heads]: headsFile(model),
		};
		const source = options.tokenizerFrom ?? model.source;
		if (source !== undefined)
			for (const name of TOKENIZER_FILES) {
				const path = join(source, name);
				if (existsSync(path)) files[name] = yield* attempt(path, () => new Uint8Array(readFileSync(path)));
			}
		Object.assign(files, options.extraFiles ?? {});
		yield* writeDirAtomically(dir, files);
	});
