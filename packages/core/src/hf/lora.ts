import { Schema } from "effect";
import { LAYER_LINEARS, type LayerLinear, type LlamaConfig, linearShape } from "./config.ts";

/** The projections LoRA can adapt, by their Hugging Face module names. */
export const LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] as const;

/** LoRA settings: which projections get adapters, their rank, scale `alpha / rank` and input dropout. */
export const LoraSpec = Schema.Struct({
	rank: Schema.Int.check(Schema.isGreaterThan(0)),
	alpha: Schema.Number.check(Schema.isGreaterThan(0)),
	dropout: Schema.Number.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThan(1)),
	targets: Schema.Array(Schema.Literals(LORA_TARGETS)).check(Schema.isMinLength(1)),
	/** Seed of the adapters' initial A matrices and of the dropout masks (default 0). */
	seed: Schema.optionalKey(Schema.Int),
});
export type LoraSpec = typeof LoraSpec.Type;

/** Every adapted module: its HF module path (`model.layers.0.self_attn.q_proj`), kind and `[out, in]`. */
export const loraModules = (
	c: LlamaConfig,
	spec: LoraSpec,
): Array<{ readonly module: string; readonly kind: LayerLinear; readonly shape: [number, number] }> => {
	const out: Array<{ module: string; kind: LayerLinear; shape: [number, number] }> = [];
	for (let i = 0; i < c.nLayers; i++)
		for (const kind of Object.keys(LAYER_LINEARS) as LayerLinear[])
			if (spec.targets.includes(kind))
				out.push({ module: `model.layers.${i}.${LAYER_LINEARS[kind]}.${kind}`, kind, shape: linearShape(c, kind) });
	return out;
};

/** The adapter parameters, `<module>.lora_A.weight` `[r, in]` and `<module>.lora_B.weight` `[out, r]`, in order. */
export const loraShapes = (c: LlamaConfig, spec: LoraSpec): Array<readonly [string, number[]]> =>
	loraModules(c, spec).flatMap(({ module, shape: [out, inp] }) => [
		[`${module}.lora_A.weight`, [spec.rank, inp]] as const,
		[`${module}.lora_B.weight`, [out, spec.rank]] as const,
	]);
