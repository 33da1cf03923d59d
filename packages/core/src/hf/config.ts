import { Schema } from "effect";

const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0));
const Positive = Schema.Number.check(Schema.isGreaterThan(0));

/** The decoder families read from a Hugging Face `config.json` (`architectures[0]`). */
export const LLAMA_ARCHITECTURES = ["LlamaForCausalLM", "Qwen2ForCausalLM", "MistralForCausalLM"] as const;
export type LlamaArchitecture = (typeof LLAMA_ARCHITECTURES)[number];

/** Rotary position scaling: Llama 3's frequency-band rule, or positions divided by `factor`. */
export const RopeScaling = Schema.Union([
	Schema.Struct({
		type: Schema.Literal("llama3"),
		factor: Positive,
		lowFreqFactor: Positive,
		highFreqFactor: Positive,
		originalMaxPositions: PositiveInt,
	}),
	Schema.Struct({ type: Schema.Literal("linear"), factor: Positive }),
]);
export type RopeScaling = typeof RopeScaling.Type;

/**
 * The shape of a Llama-family decoder (Llama, Qwen2, Mistral) in our own names: what a Stepwise
 * checkpoint stores and what `model.arch=llama` builds. {@link fromHfConfig} reads it from a
 * Hugging Face `config.json`, {@link toHfConfig} writes it back.
 */
export const LlamaConfig = Schema.Struct({
	/** The Hugging Face class it loads as (decides the `config.json` written on export). */
	architecture: Schema.Literals(LLAMA_ARCHITECTURES),
	vocabSize: PositiveInt,
	/** `max_position_embeddings`: the longest sequence. */
	contextLength: PositiveInt,
	/** `hidden_size`. */
	dModel: PositiveInt,
	/** `intermediate_size` of the SwiGLU MLP. */
	dFF: PositiveInt,
	nLayers: PositiveInt,
	/** Query heads. */
	nHeads: PositiveInt,
	/** Key/value heads (grouped-query attention; equal to `nHeads` for plain multi-head). */
	nKvHeads: PositiveInt,
	/** Width of one head (`head_dim`, else `dModel / nHeads`). */
	headDim: PositiveInt,
	rmsNormEps: Positive,
	ropeTheta: Positive,
	ropeScaling: Schema.optionalKey(RopeScaling),
	tieWordEmbeddings: Schema.Boolean,
	/** Bias on the q/k/v projections (Qwen2; Llama's `attention_bias`). */
	qkvBias: Schema.Boolean,
	/** Bias on the output projection (Llama's `attention_bias`). */
	oBias: Schema.Boolean,
	/** Bias on the MLP projections (Llama's `mlp_bias`). */
	mlpBias: Schema.Boolean,
	/** Mistral's sliding attention window: each token sees at most this many tokens (itself included). */
	slidingWindow: Schema.optionalKey(PositiveInt),
	/** Std of the normal initial weights of a model built from scratch (`initializer_range`). */
	initStd: Schema.optionalKey(Positive),
});
export type LlamaConfig = typeof LlamaConfig.Type;

/** The fields of a Hugging Face `config.json` this decoder reads (others are ignored). */
export const HfConfigJson = Schema.Struct({
	architectures: Schema.Array(Schema.String),
	vocab_size: PositiveInt,
	hidden_size: PositiveInt,
	intermediate_size: PositiveInt,
	num_hidden_layers: PositiveInt,
	num_attention_heads: PositiveInt,
	num_key_value_heads: Schema.optionalKey(Schema.NullOr(PositiveInt)),
	head_dim: Schema.optionalKey(Schema.NullOr(PositiveInt)),
	max_position_embeddings: PositiveInt,
	rms_norm_eps: Positive,
	rope_theta: Schema.optionalKey(Positive),
	rope_scaling: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown))),
	rope_parameters: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown))),
	tie_word_embeddings: Schema.optionalKey(Schema.Boolean),
	attention_bias: Schema.optionalKey(Schema.Boolean),
	mlp_bias: Schema.optionalKey(Schema.Boolean),
	hidden_act: Schema.optionalKey(Schema.String),
	sliding_window: Schema.optionalKey(Schema.NullOr(PositiveInt)),
	use_sliding_window: Schema.optionalKey(Schema.Boolean),
	initializer_range: Schema.optionalKey(Positive),
});
export type HfConfigJson = typeof HfConfigJson.Type;

const num = (r: Readonly<Record<string, unknown>>, key: string): number => {
	const v = r[key];
	if (typeof v !== "number" || !(v > 0))
		throw new Error(`rope scaling needs a positive ${key}, got ${JSON.stringify(v)}`);
	return v;
};

/**
 * Our {@link LlamaConfig} from a decoded `config.json`. Throws an `Error` naming the field for
 * an unsupported architecture, activation or rope type. Reads both spellings of the rotary
 * settings: `rope_theta` + `rope_scaling` (transformers 4) and `rope_parameters` (transformers 5).
 */
export const fromHfConfig = (hf: HfConfigJson): LlamaConfig => {
	const arch = hf.architectures[0];
	if (arch === undefined || !(LLAMA_ARCHITECTURES as ReadonlyArray<string>).includes(arch))
		throw new Error(
			`architectures: unsupported architecture ${JSON.stringify(arch ?? null)} (supported: ${LLAMA_ARCHITECTURES.join(", ")})`,
		);
	const architecture = arch as LlamaArchitecture;
	if (hf.hidden_act !== undefined && hf.hidden_act !== "silu")
		throw new Error(`hidden_act: unsupported activation ${JSON.stringify(hf.hidden_act)} (only silu)`);
	const rope: Readonly<Record<string, unknown>> = { ...(hf.rope_scaling ?? {}), ...(hf.rope_parameters ?? {}) };
	const ropeTheta = typeof rope.rope_theta === "number" ? rope.rope_theta : (hf.rope_theta ?? 10000);
	const type = rope.rope_type ?? rope.type ?? "default";
	let ropeScaling: RopeScaling | undefined;
	if (type === "llama3")
		ropeScaling = {
			type: "llama3",
			factor: num(rope, "factor"),
			lowFreqFactor: num(rope, "low_freq_factor"),
			highFreqFactor: num(rope, "high_freq_factor"),
			originalMaxPositions: num(rope, "original_max_position_embeddings"),
		};
	else if (type === "linear") ropeScaling = { type: "linear", factor: num(rope, "factor") };
	else if (type !== "default")
		throw new Error(`rope_scaling: unsupported rope type ${JSON.stringify(type)} (supported: default, linear, llama3)`);
	if (hf.hidden_size % hf.num_attention_heads !== 0 && (hf.head_dim ?? undefined) === undefined)
		throw new Error(`num_attention_heads ${hf.num_attention_heads} does not divide hidden_size ${hf.hidden_size}`);
	const nKvHeads = hf.num_key_value_heads ?? hf.num_attention_heads;
	if (hf.num_attention_heads % nKvHeads !== 0)
		throw new Error(`num_key_value_heads ${nKvHeads} does not divide num_attention_heads ${hf.num_attention_heads}`);
	const qwen = architecture === "Qwen2ForCausalLM";
	const window =
		architecture === "MistralForCausalLM" || (qwen && hf.use_sliding_window === true) ? hf.sliding_window : undefined;
	return {
		architecture,
		vocabSize: hf.vocab_size,
		contextLength: hf.max_position_embeddings,
		dModel: hf.hidden_size,
		dFF: hf.intermediate_size,
		nLayers: hf.num_hidden_layers,
		nHeads: hf.num_attention_heads,
		nKvHeads,
		headDim: hf.head_dim ?? hf.hidden_size / hf.num_attention_heads,
		rmsNormEps: hf.rms_norm_eps,
		ropeTheta,
		...(ropeScaling !== undefined ? { ropeScaling } : {}),
		tieWordEmbeddings:
			hf.tie_word_embeddings ?? !(architecture === "LlamaForCausalLM" || architecture === "MistralForCausalLM"),
		qkvBias: qwen || (hf.attention_bias ?? false),
		oBias: !qwen && (hf.attention_bias ?? false),
		mlpBias: hf.mlp_bias ?? false,
		...(window !== undefined && window !== null ? { slidingWindow: window } : {}),
		...(hf.initializer_range !== undefined ? { initStd: hf.initializer_range } : {}),
	};
};

/** A `config.json` that transformers reads back as the same model (for export). */
export const toHfConfig = (c: LlamaConfig): Record<string, unknown> => {
	const modelType = { LlamaForCausalLM: "llama", Qwen2ForCausalLM: "qwen2", MistralForCausalLM: "mistral" }[
		c.architecture
	];
	const rope: Record<string, unknown> =
		c.ropeScaling === undefined
			? { rope_type: "default", rope_theta: c.ropeTheta }
			: c.ropeScaling.type === "linear"
				? { rope_type: "linear", factor: c.ropeScaling.factor, rope_theta: c.ropeTheta }
				: {
						rope_type: "llama3",
						factor: c.ropeScaling.factor,
						low_freq_factor: c.ropeScaling.lowFreqFactor,
						high_freq_factor: c.ropeScaling.highFreqFactor,
						original_max_position_embeddings: c.ropeScaling.originalMaxPositions,
						rope_theta: c.ropeTheta,
					};
	const qwen = c.architecture === "Qwen2ForCausalLM";
	if (qwen && (c.oBias || c.mlpBias || !c.qkvBias))
		throw new Error("a Qwen2 model has q/k/v biases and no output or MLP biases");
	if (!qwen && c.qkvBias !== c.oBias)
		throw new Error(`${c.architecture} has biases on all attention projections or on none`);
	return {
		architectures: [c.architecture],
		model_type: modelType,
		vocab_size: c.vocabSize,
		hidden_size: c.dModel,
		intermediate_size: c.dFF,
		num_hidden_layers: c.nLayers,
		num_attention_heads: c.nHeads,
		num_key_value_heads: c.nKvHeads,
		head_dim: c.headDim,
		max_position_embeddings: c.contextLength,
		rms_norm_eps: c.rmsNormEps,
		hidden_act: "silu",
		rope_theta: c.ropeTheta,
		rope_scaling: c.ropeScaling === undefined ? null : rope,
		rope_parameters: rope,
		tie_word_embeddings: c.tieWordEmbeddings,
		...(qwen
			? { use_sliding_window: false, sliding_window: null }
			: { attention_bias: c.qkvBias, mlp_bias: c.mlpBias }),
		...(c.architecture === "MistralForCausalLM" ? { sliding_window: c.slidingWindow ?? null } : {}),
		initializer_range: c.initStd ?? 0.02,
		torch_dtype: "float32",
		dtype: "float32",
	};
};

/**
 * A Llama-family config (Llama's layout: untied embeddings, no biases) of the size our GPT is
 * given by: `model.arch=llama` in a run builds this from the `model.*` keys.
 */
export const llamaFromSize = (
	size: {
		readonly vocabSize: number;
		readonly contextLength: number;
		readonly dModel: number;
		readonly nLayers: number;
		readonly nHeads: number;
		readonly dFF: number;
	},
	nKvHeads: number,
	ropeTheta: number,
): LlamaConfig => {
	const kv = nKvHeads === 0 ? size.nHeads : nKvHeads;
	if (size.dModel % size.nHeads !== 0)
		throw new Error(`model.nHeads ${size.nHeads} must divide model.dModel ${size.dModel}`);
	if (size.nHeads % kv !== 0) throw new Error(`model.nKvHeads ${kv} must divide model.nHeads ${size.nHeads}`);
	if ((size.dModel / size.nHeads) % 2 !== 0)
		throw new Error(`model.dModel / model.nHeads must be even for rotary positions`);
	return {
		architecture: "LlamaForCausalLM",
		vocabSize: size.vocabSize,
		contextLength: size.contextLength,
		dModel: size.dModel,
		dFF: size.dFF,
		nLayers: size.nLayers,
		nHeads: size.nHeads,
		nKvHeads: kv,
		headDim: size.dModel / size.nHeads,
		rmsNormEps: 1e-5,
		ropeTheta,
		tieWordEmbeddings: false,
		qkvBias: false,
		oBias: false,
		mlpBias: false,
		initStd: 0.02,
	};
};

/** The projections of one decoder layer, by their Hugging Face module names. */
export const LAYER_LINEARS = {
	q_proj: "self_attn",
	k_proj: "self_attn",
	v_proj: "self_attn",
	o_proj: "self_attn",
	gate_proj: "mlp",
	up_proj: "mlp",
	down_proj: "mlp",
} as const;
export type LayerLinear = keyof typeof LAYER_LINEARS;

/** `[out, in]` of a layer projection. */
export const linearShape = (c: LlamaConfig, m: LayerLinear): [number, number] => {
	const q = c.nHeads * c.headDim;
	const kv = c.nKvHeads * c.headDim;
	switch (m) {
		case "q_proj":
			return [q, c.dModel];
		case "k_proj":
		case "v_proj":
			return [kv, c.dModel];
		case "o_proj":
			return [c.dModel, q];
		case "gate_proj":
		case "up_proj":
			return [c.dFF, c.dModel];
		case "down_proj":
			return [c.dModel, c.dFF];
	}
};
