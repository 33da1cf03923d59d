import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Effect, Exit, Schema } from "effect";
import { decodeSafetensors } from "../policy/safetensors.ts";
import { fromHfConfig, HfConfigJson, type LlamaConfig } from "./config.ts";
import { HfModelError } from "./errors.ts";
import { HEAD_SHAPES, LlamaPolicy, llamaParameterShapes } from "./llama.ts";
import type { LoraSpec } from "./lora.ts";
import { readAdapter } from "./peft.ts";

/** File names of a Hugging Face model directory (and the one file of ours beside them). */
export const HF_FILES = {
	config: "config.json",
	weights: "model.safetensors",
	index: "model.safetensors.index.json",
	/** Our value and progress heads; transformers ignores the file. */
	heads: "stepwise_heads.safetensors",
} as const;

export const fail = (path: string, message: string): Effect.Effect<never, HfModelError> =>
	Effect.fail(new HfModelError({ path, message: `${path}: ${message}` }));

/** Run `f`, turning a thrown error into an {@link HfModelError} on `path`. */
export const attempt = <A>(path: string, f: () => A): Effect.Effect<A, HfModelError> =>
	Effect.try({
		try: f,
		catch: (e) => new HfModelError({ path, message: `${path}: ${e instanceof Error ? e.message : String(e)}` }),
	});

export const readJsonFile = (path: string): Effect.Effect<unknown, HfModelError> =>
	Effect.gen(function* () {
		if (!existsSync(path)) return yield* fail(path, "file is missing");
		return yield* attempt(path, () => JSON.parse(readFileSync(path, "utf8")) as unknown);
	});

export const decodeJson = <S extends Schema.Top>(schema: S, path: string, input: unknown) =>
	Effect.suspend(() => {
		const exit = Schema.decodeUnknownExit(schema as unknown as Schema.Codec<S["Type"], unknown>)(input);
		if (Exit.isSuccess(exit)) return Effect.succeed(exit.value as S["Type"]);
		const err = exit.cause.reasons.find((r) => r._tag === "Fail")?.error as { message?: string } | undefined;
		return fail(path, `unexpected content: ${err?.message ?? String(exit.cause)}`);
	});

/** True when `dir` holds a Hugging Face model (a `config.json` with `architectures`). */
export const isHfModelDir = (dir: string): boolean => {
	const path = join(dir, HF_FILES.config);
	if (!existsSync(path)) return false;
	try {
		const json = JSON.parse(readFileSync(path, "utf8")) as { architectures?: unknown };
		return Array.isArray(json.architectures);
	} catch {
		return false;
	}
};

/** Read and check a model directory's `config.json` as our {@link LlamaConfig}. */
export const readHfConfig = (dir: string): Effect.Effect<LlamaConfig, HfModelError> =>
	Effect.gen(function* () {
		const path = join(dir, HF_FILES.config);
		const hf = yield* decodeJson(HfConfigJson, path, yield* readJsonFile(path));
		return yield* attempt(path, () => fromHfConfig(hf));
	});

const ShardIndex = Schema.Struct({ weight_map: Schema.Record(Schema.String, Schema.String) });

/** Tensors that checkpoints may carry but the model computes itself. */
const IGNORED = /(^|\.)rotary_emb\.inv_freq$/;

/**
 * Read the base weights of a model directory: `model.safetensors`, or the shards listed in
 * `model.safetensors.index.json`; F32, F16 and BF16 (upcast to float32). Every tensor the config
 * needs must be there with its shape; a tensor the model does not have is an error too (it
 * would mean a different architecture), except rotary frequency buffers.
 */
export const readHfWeights = (
	dir: string,
	config: LlamaConfig,
): Effect.Effect<Map<string, Float32Array>, HfModelError> =>
	Effect.gen(function* () {
		const shapes = new Map(llamaParameterShapes(config));
		const indexPath = join(dir, HF_FILES.index);
		let files: Array<{ path: string; names: Set<string> | undefined }>;
		if (existsSync(indexPath)) {
			const index = yield* decodeJson(ShardIndex, indexPath, yield* readJsonFile(indexPath));
			const byFile = new Map<string, Set<string>>();
			for (const [name, file] of Object.entries(index.weight_map)) {
				if (file.includes("/") || file.includes("\\"))
					return yield* fail(indexPath, `shard ${JSON.stringify(file)} of tensor ${name} is not a file name`);
				byFile.set(file, (byFile.get(file) ?? new Set()).add(name));
			}
			files = [...byFile].map(([file, names]) => ({ path: join(dir, file), names }));
		} else files = [{ path: join(dir, HF_FILES.weights), names: undefined }];
		const values = new Map<string, Float32Array>();
		const where = new Map<string, string>();
		for (const { path, names } of files) {
			if (!existsSync(path)) return yield* fail(path, "file is missing");
			const file = yield* attempt(path, () =>
				decodeSafetensors(new Uint8Array(readFileSync(path)), { halfPrecision: true, only: (n) => !IGNORED.test(n) }),
			);
			for (const [name, t] of file.tensors) {
				const shape = shapes.get(name);
				if (shape === undefined) {
					if (name === "lm_head.weight" && config.tieWordEmbeddings) continue;
					return yield* fail(path, `tensor ${name} is not part of a ${config.architecture} with this config.json`);
				}
				if (names !== undefined && !names.has(name))
					return yield* fail(path, `tensor ${name} is not listed for this shard in ${HF_FILES.index}`);
				if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
					return yield* fail(path, `tensor ${name} has shape [${t.shape.join(",")}], expected [${shape.join(",")}]`);
				values.set(name, t.data);
				where.set(name, path);
			}
		}
		for (const [name] of shapes)
			if (!values.has(name))
				return yield* fail(files.length === 1 ? (files[0]?.path ?? dir) : indexPath, `tensor ${name} is missing`);
		return values;
	});

/** Read our heads file when the directory has one (else the heads start at zero). */
export const readHeads = (
	dir: string,
	config: LlamaConfig,
): Effect.Effect<Map<string, Float32Array> | undefined, HfModelError> =>
	Effect.gen(function* () {
		const path = join(dir, HF_FILES.heads);
		if (!existsSync(path)) return undefined;
		const file = yield* attempt(path, () => decodeSafetensors(new Uint8Array(readFileSync(path))));
		const out = new Map<string, Float32Array>();
		for (const [name, shape] of HEAD_SHAPES(config)) {
			const t = file.tensors.get(name);
			if (t === undefined) return yield* fail(path, `tensor ${name} is missing`);
			if (t.shape.join(",") !== shape.join(","))
				return yield* fail(path, `tensor ${name} has shape [${t.shape.join(",")}], expected [${shape.join(",")}]`);
			out.set(name, t.data);
		}
		return out;
	});

/** Options of {@link loadHfModel}. */
export interface LoadHfOptions {
	/** Train LoRA adapters on a frozen base (fresh adapters, PEFT's initialisation). */
	readonly lora?: LoraSpec;
	/** A PEFT adapter directory to put on the base (its `adapter_config.json` gives the LoRA settings). */
	readonly adapter?: string;
}

/**
 * Load a Llama, Qwen2 or Mistral model from a Hugging Face directory, optionally with LoRA
 * adapters (fresh, or a PEFT adapter directory). Fails with an {@link HfModelError} naming the
 * file and the tensor or field at fault.
 */
export const loadHfModel = (dir: string, options: LoadHfOptions = {}): Effect.Effect<LlamaPolicy, HfModelError> =>
	Effect.gen(function* () {
		const config = yield* readHfConfig(dir);
		const base = yield* readHfWeights(dir, config);
		const heads = yield* readHeads(dir, config);
		let lora = options.lora;
		let adapterValues: Map<string, Float32Array> | undefined;
		if (options.adapter !== undefined) {
			const adapter = yield* readAdapter(options.adapter, config);
			lora = adapter.spec;
			adapterValues = adapter.values;
		}
		return yield* attempt(dir, () =>
			LlamaPolicy.fromWeights(
				config,
				{ base, ...(heads ? { heads } : {}), ...(adapterValues ? { lora: adapterValues } : {}) },
				lora,
				resolve(dir),
			),
		);
	});
