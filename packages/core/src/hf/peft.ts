import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Effect, Schema } from "effect";
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from "../policy/safetensors.ts";
import type { LlamaConfig } from "./config.ts";
import type { HfModelError } from "./errors.ts";
import { HEAD_SHAPES, type LlamaPolicy } from "./llama.ts";
import { attempt, decodeJson, fail, HF_FILES, readJsonFile } from "./load.ts";
import { LORA_TARGETS, type LoraSpec, loraShapes } from "./lora.ts";
import { writeDirAtomically } from "./write.ts";

/** File names of a PEFT adapter directory. */
export const ADAPTER_FILES = { config: "adapter_config.json", weights: "adapter_model.safetensors" } as const;

/** PEFT prefixes every adapter tensor of a causal LM with this. */
const PEFT_PREFIX = "base_model.model.";

/** The `adapter_config.json` fields we read; settings we do not implement must be off. */
const AdapterConfigJson = Schema.Struct({
	peft_type: Schema.Literal("LORA"),
	r: Schema.Int.check(Schema.isGreaterThan(0)),
	lora_alpha: Schema.Number.check(Schema.isGreaterThan(0)),
	lora_dropout: Schema.optionalKey(Schema.Number),
	target_modules: Schema.Union([Schema.Array(Schema.String), Schema.String]),
	base_model_name_or_path: Schema.optionalKey(Schema.NullOr(Schema.String)),
	bias: Schema.optionalKey(Schema.String),
	fan_in_fan_out: Schema.optionalKey(Schema.Boolean),
	use_rslora: Schema.optionalKey(Schema.Boolean),
	use_dora: Schema.optionalKey(Schema.Boolean),
	modules_to_save: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.String))),
	layers_to_transform: Schema.optionalKey(Schema.NullOr(Schema.Unknown)),
	rank_pattern: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown))),
	alpha_pattern: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown))),
});

/** A PEFT adapter read from disk: its LoRA settings, adapter values by our names, our heads if saved. */
export interface ReadAdapter {
	readonly spec: LoraSpec;
	readonly values: Map<string, Float32Array>;
	readonly heads: Map<string, Float32Array> | undefined;
	/** `base_model_name_or_path` as written. */
	readonly base: string | undefined;
}

/**
 * Read a PEFT LoRA adapter directory for a model of `config`: `adapter_config.json` (LoRA only;
 * rsLoRA, DoRA, bias training, per-module ranks and extra saved modules are refused by name) and
 * `adapter_model.safetensors` with PEFT's key names.
 */
export const readAdapter = (dir: string, config: LlamaConfig): Effect.Effect<ReadAdapter, HfModelError> =>
	Effect.gen(function* () {
		const cfgPath = join(dir, ADAPTER_FILES.config);
		const ac = yield* decodeJson(AdapterConfigJson, cfgPath, yield* readJsonFile(cfgPath));
		const refuse = (field: string, why: string) => fail(cfgPath, `${field}: ${why} is not supported`);
		if (ac.use_rslora === true) return yield* refuse("use_rslora", "rank-stabilised LoRA");
		if (ac.use_dora === true) return yield* refuse("use_dora", "DoRA");
		if (ac.fan_in_fan_out === true) return yield* refuse("fan_in_fan_out", "a transposed base layout");
		if (ac.bias !== undefined && ac.bias !== "none") return yield* refuse("bias", `training biases (${ac.bias})`);
		if ((ac.modules_to_save ?? []).length > 0) return yield* refuse("modules_to_save", "saving whole modules");
		if (ac.layers_to_transform !== undefined && ac.layers_to_transform !== null)
			return yield* refuse("layers_to_transform", "adapting some layers only");
		if (Object.keys(ac.rank_pattern ?? {}).length > 0 || Object.keys(ac.alpha_pattern ?? {}).length > 0)
			return yield* refuse("rank_pattern", "per-module ranks");
		const wanted = typeof ac.target_modules === "string" ? [ac.target_modules] : ac.target_modules;
		const targets = LORA_TARGETS.filter((t) => wanted.includes(t));
		const unknown = wanted.filter((t) => !(LORA_TARGETS as ReadonlyArray<string>).includes(t));
		if (unknown.length > 0 || targets.length === 0)
			return yield* fail(
				cfgPath,
				`target_modules: ${JSON.stringify(ac.target_modules)} must name some of ${LORA_TARGETS.join(", ")}`,
			);
		const spec: LoraSpec = { rank: ac.r, alpha: ac.lora_alpha, dropout: ac.lora_dropout ?? 0, targets };
		const wPath = join(dir, ADAPTER_FILES.weights);
		if (!existsSync(wPath)) return yield* fail(wPath, "file is missing");
		const file = yield* attempt(wPath, () =>
			decodeSafetensors(new Uint8Array(readFileSync(wPath)), { halfPrecision: true }),
		);
		const values = new Map<string, Float32Array>();
		const expected = loraShapes(config, spec);
		for (const [name, shape] of expected) {
			// PEFT writes `…q_proj.lora_A.weight`; older versions named the adapter (`lora_A.default.weight`)
			const t =
				file.tensors.get(PEFT_PREFIX + name) ??
				file.tensors.get(PEFT_PREFIX + name.replace(/\.weight$/, ".default.weight"));
			if (t === undefined) return yield* fail(wPath, `tensor ${PEFT_PREFIX}${name} is missing`);
			if (t.shape.join(",") !== shape.join(","))
				return yield* fail(
					wPath,
					`tensor ${PEFT_PREFIX}${name} has shape [${t.shape.join(",")}], expected [${shape.join(",")}]`,
				);
			values.set(name, t.data);
		}
		if (file.tensors.size !== expected.length) {
			const known = new Set(expected.map(([n]) => PEFT_PREFIX + n));
			const extra = [...file.tensors.keys()].filter(
				(n) => !known.has(n) && !known.has(n.replace(".default.weight", ".weight")),
			);
			if (extra.length > 0) return yield* fail(wPath, `unexpected tensors: ${extra.slice(0, 3).join(", ")}`);
		}
		const headsPath = join(dir, HF_FILES.heads);
		let heads: Map<string, Float32Array> | undefined;
		if (existsSync(headsPath)) {
			const h = yield* attempt(headsPath, () => decodeSafetensors(new Uint8Array(readFileSync(headsPath))));
			heads = new Map();
			for (const [name, shape] of HEAD_SHAPES(config)) {
				const t = h.tensors.get(name);
				if (t === undefined || t.shape.join(",") !== shape.join(","))
					return yield* fail(headsPath, `tensor ${name} is missing or misshaped`);
				heads.set(name, t.data);
			}
		}
		return { spec, values, heads, base: ac.base_model_name_or_path ?? undefined };
	});

/** The `adapter_config.json` PEFT writes for these LoRA settings. */
export const adapterConfigJson = (spec: LoraSpec, base: string): Record<string, unknown> => ({
	peft_type: "LORA",
	task_type: "CAUSAL_LM",
	base_model_name_or_path: base,
	r: spec.rank,
	lora_alpha: spec.alpha,
	lora_dropout: spec.dropout,
	target_modules: [...spec.targets],
	bias: "none",
	fan_in_fan_out: false,
	use_rslora: false,
	use_dora: false,
	init_lora_weights: true,
	inference_mode: true,
	modules_to_save: null,
	layers_to_transform: null,
	layers_pattern: null,
	rank_pattern: {},
	alpha_pattern: {},
	revision: null,
});

/** Our value and progress heads as safetensors bytes. */
export const headsFile = (model: LlamaPolicy): Uint8Array =>
	encodeSafetensors(
		HEAD_SHAPES(model.config).map(([name, shape]) => ({
			name,
			shape,
			data: (model.params.get(name)?.dataSync() as Float32Array) ?? new Float32Array(shape.reduce((a, b) => a * b, 1)),
		})),
	);

/**
 * The files of a LoRA model's PEFT adapter directory: `adapter_config.json` (with `base` as
 * `base_model_name_or_path`), `adapter_model.safetensors` with PEFT's key names, and our heads in
 * `stepwise_heads.safetensors`. Throws when the model has no adapters.
 */
export const adapterFiles = (model: LlamaPolicy, base: string): Record<string, string | Uint8Array> => {
	const spec = model.lora;
	if (spec === undefined) throw new Error("the model has no LoRA adapters to save");
	const tensors: NamedTensor[] = loraShapes(model.config, spec).map(([name, shape]) => ({
		name: PEFT_PREFIX + name,
		shape,
		data: model.params.get(name)?.dataSync() as Float32Array,
	}));
	return {
		[ADAPTER_FILES.config]: `${JSON.stringify(adapterConfigJson(spec, base), null, 2)}\n`,
		[ADAPTER_FILES.weights]: encodeSafetensors(tensors, { format: "pt" }),
		[HF_FILES.heads]: headsFile(model),
	};
};

/**
 * Save a LoRA model's adapters as a PEFT adapter directory (atomically): the {@link adapterFiles}.
 * PEFT's `PeftModel.from_pretrained` loads it.
 */
export const saveAdapter = (dir: string, model: LlamaPolicy, base: string): Effect.Effect<void, HfModelError> =>
	Effect.gen(function* () {
		if (model.lora === undefined) return yield* fail(dir, "the model has no LoRA adapters to save");
		yield* writeDirAtomically(dir, adapterFiles(model, base));
	});
