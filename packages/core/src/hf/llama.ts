import "../backend/gradients.ts";
import * as tf from "@tensorflow/tfjs-core";
import { attention, causalMask } from "../policy/model.ts";
import type { ForwardOptions, ForwardResult, PolicyModel } from "../policy/policy-model.ts";
import { normalArray, Rng } from "../util/rng.ts";
import { LAYER_LINEARS, type LayerLinear, type LlamaConfig, linearShape } from "./config.ts";
import { type LoraSpec, loraModules, loraShapes } from "./lora.ts";

const NEG = -1e9;

/** tfjs variable names are process-global: each model instance gets its own prefix. */
let instances = 0;
const uniquePrefix = (): string => `llama${instances++}/`;

/** True while a gradient tape records. */
const recording = (): boolean => (tf.engine().state as { gradientDepth: number }).gradientDepth > 0;

const hasBias = (c: LlamaConfig, m: LayerLinear): boolean =>
	m === "o_proj" ? c.oBias : LAYER_LINEARS[m] === "mlp" ? c.mlpBias : c.qkvBias;

/**
 * The base model's parameter names (Hugging Face state-dict names) and shapes, in checkpoint
 * order: embeddings, per layer the projections (weights `[out, in]` as `nn.Linear` stores them),
 * the two norms, the final norm, the LM head when untied. Our value and progress heads are not
 * part of it (see {@link HEAD_SHAPES}).
 */
export const llamaParameterShapes = (c: LlamaConfig): Array<readonly [string, number[]]> => {
	const shapes: Array<readonly [string, number[]]> = [["model.embed_tokens.weight", [c.vocabSize, c.dModel]]];
	for (let i = 0; i < c.nLayers; i++) {
		const p = `model.layers.${i}`;
		for (const m of Object.keys(LAYER_LINEARS) as LayerLinear[]) {
			const [out, inp] = linearShape(c, m);
			shapes.push([`${p}.${LAYER_LINEARS[m]}.${m}.weight`, [out, inp]]);
			if (hasBias(c, m)) shapes.push([`${p}.${LAYER_LINEARS[m]}.${m}.bias`, [out]]);
		}
		shapes.push([`${p}.input_layernorm.weight`, [c.dModel]], [`${p}.post_attention_layernorm.weight`, [c.dModel]]);
	}
	shapes.push(["model.norm.weight", [c.dModel]]);
	if (!c.tieWordEmbeddings) shapes.push(["lm_head.weight", [c.vocabSize, c.dModel]]);
	return shapes;
};

/** Our scalar heads on the final hidden states, `[D, 1]` weights as in the GPT policy. */
export const HEAD_SHAPES = (c: LlamaConfig): Array<readonly [string, number[]]> => [
	["value_head.weight", [c.dModel, 1]],
	["value_head.bias", [1]],
	["progress_head.weight", [c.dModel, 1]],
	["progress_head.bias", [1]],
];

/**
 * The rotary inverse frequencies, computed in float32 steps as transformers does (`1 / θ^(2i/d)`),
 * then scaled: `linear` divides them by the factor; `llama3` keeps the high frequencies, divides
 * the low ones by the factor and blends the band between.
 */
export const ropeInverseFrequencies = (c: LlamaConfig): Float32Array => {
	const d = c.headDim;
	const f = Math.fround;
	const inv = new Float32Array(d / 2);
	for (let i = 0; i < d / 2; i++) inv[i] = f(1 / f(c.ropeTheta ** f((2 * i) / d)));
	const s = c.ropeScaling;
	if (s === undefined) return inv;
	if (s.type === "linear") return inv.map((x) => f(x / s.factor));
	const lowWavelen = s.originalMaxPositions / s.lowFreqFactor;
	const highWavelen = s.originalMaxPositions / s.highFreqFactor;
	return inv.map((x) => {
		const wavelen = (2 * Math.PI) / x;
		if (wavelen < highWavelen) return x;
		if (wavelen > lowWavelen) return f(x / s.factor);
		const smooth = (s.originalMaxPositions / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
		return f((1 - smooth) * (x / s.factor) + smooth * x);
	});
};

/** The weights a {@link LlamaPolicy} is built from: the base by HF name, optionally the heads and LoRA adapters. */
export interface LlamaWeights {
	readonly base: ReadonlyMap<string, Float32Array>;
	readonly heads?: ReadonlyMap<string, Float32Array>;
	/** LoRA adapter values by our names (`<module>.lora_A.weight`); missing ones start as PEFT does. */
	readonly lora?: ReadonlyMap<string, Float32Array>;
}

/**
 * A Llama-family decoder (Llama, Qwen2, Mistral): RMSNorm, rotary positions (with `linear` or
 * `llama3` scaling), grouped-query attention with optional q/k/v biases and a sliding window,
 * SwiGLU MLPs, tied or untied embeddings; our value and progress heads on the final hidden
 * states. Weights keep the Hugging Face names and layouts, so loading and exporting move no values.
 * With a {@link LoraSpec} the base is frozen and only the adapters and the heads train.
 */
export class LlamaPolicy implements PolicyModel {
	readonly arch = "llama" as const;
	/** Trainable parameters (everything without LoRA; adapters and heads with it), in canonical order. */
	readonly params: Map<string, tf.Variable>;
	/** Frozen base weights (LoRA), by HF name. */
	readonly frozen: Map<string, tf.Tensor>;
	attention: "auto" | "batched" | "sliced" = "auto";
	private readonly invFreq: Float32Array;
	private readonly maskCache = new Map<number, tf.Tensor4D>();
	private readonly scalars = new Map<number, tf.Scalar>();
	/** Draws of the LoRA dropout masks (training only). */
	private readonly dropoutRng: Rng;

	private constructor(
		readonly config: LlamaConfig,
		readonly lora: LoraSpec | undefined,
		params: Map<string, tf.Variable>,
		frozen: Map<string, tf.Tensor>,
		/** The Hugging Face directory the base weights came from (a LoRA checkpoint refers to it). */
		readonly source: string | undefined,
	) {
		this.params = params;
		this.frozen = frozen;
		this.invFreq = ropeInverseFrequencies(config);
		this.dropoutRng = new Rng(lora?.seed ?? 0).fork("lora-dropout");
	}

	/**
	 * A model from weights: every base tensor must be present with its shape (the loader checks
	 * files and names first). Heads default to zeros; LoRA adapters default to PEFT's start
	 * (A uniform in ±1/√in, seeded; B zero, so the adapted model starts equal to the base).
	 */
	static fromWeights(config: LlamaConfig, weights: LlamaWeights, lora?: LoraSpec, source?: string): LlamaPolicy {
		const prefix = uniquePrefix();
		const params = new Map<string, tf.Variable>();
		const frozen = new Map<string, tf.Tensor>();
		const variable = (name: string, data: Float32Array, shape: number[]) => {
			const t = tf.tensor(data, shape);
			params.set(name, tf.variable(t, true, prefix + name));
			t.dispose();
		};
		for (const [name, shape] of llamaParameterShapes(config)) {
			const data = weights.base.get(name);
			if (data === undefined) throw new Error(`missing tensor ${name}`);
			if (lora === undefined) variable(name, data, shape);
			else frozen.set(name, tf.keep(tf.tensor(data, shape)));
		}
		if (lora !== undefined) {
			const rng = new Rng(lora.seed ?? 0);
			for (const [name, shape] of loraShapes(config, lora)) {
				const given = weights.lora?.get(name);
				const size = (shape[0] as number) * (shape[1] as number);
				const bound = 1 / Math.sqrt(shape[1] as number);
				const draws = rng.fork(name);
				const start = name.endsWith("lora_A.weight")
					? Float32Array.from({ length: size }, () => (2 * draws.next() - 1) * bound)
					: new Float32Array(size);
				variable(name, given ?? start, shape);
			}
		}
		for (const [name, shape] of HEAD_SHAPES(config))
			variable(name, weights.heads?.get(name) ?? new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
		return new LlamaPolicy(config, lora, params, frozen, source);
	}

	/** A freshly initialised model (N(0, initStd²) weights, unit norms, zero biases); a pure function of `seed`. */
	static init(config: LlamaConfig, seed = 0, lora?: LoraSpec): LlamaPolicy {
		const rng = new Rng(seed);
		const std = config.initStd ?? 0.02;
		const base = new Map<string, Float32Array>();
		for (const [name, shape] of llamaParameterShapes(config)) {
			const size = shape.reduce((a, b) => a * b, 1);
			base.set(
				name,
				name.endsWith("norm.weight")
					? new Float32Array(size).fill(1)
					: name.endsWith(".bias")
						? new Float32Array(size)
						: normalArray(rng.fork(name), size, std),
			);
		}
		return LlamaPolicy.fromWeights(config, { base }, lora);
	}

	variables(): tf.Variable[] {
		return [...this.params.values()];
	}

	get parameterCount(): number {
		let n = 0;
		for (const v of this.params.values()) n += v.size;
		for (const t of this.frozen.values()) n += t.size;
		return n;
	}

	/** A weight by name, trainable or frozen. */
	weight(name: string): tf.Tensor {
		const w = this.params.get(name) ?? this.frozen.get(name);
		if (w === undefined) throw new Error(`LlamaPolicy: no parameter ${name}`);
		return w;
	}

	private num(v: number): tf.Scalar {
		let s = this.scalars.get(v);
		if (s === undefined) {
			s = tf.keep(tf.scalar(v));
			this.scalars.set(v, s);
		}
		return s;
	}

	/** `x @ wᵀ (+ b)` for `x` `[..., in]` and an `[out, in]` weight. */
	private matmulT(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
		const shape = x.shape;
		const inDim = shape[shape.length - 1] as number;
		const outDim = w.shape[0] as number;
		if (!recording()) {
			const y = tf
				.engine()
				.runKernel(
					tf._FusedMatMul,
					{ a: tf.reshape(x, [1, -1, inDim]), b: tf.reshape(w, [1, outDim, inDim]), ...(b ? { bias: b } : {}) },
					{ transposeA: false, transposeB: true, activation: "linear", leakyreluAlpha: 0.2 },
				) as tf.Tensor;
			return tf.reshape(y, [...shape.slice(0, -1), outDim]);
		}
		const a = tf.reshape(x, [-1, inDim]) as tf.Tensor2D;
		const y = b
			? tf.fused.matMul({ a, b: w as tf.Tensor2D, bias: b, transposeB: true })
			: tf.matMul(a, w as tf.Tensor2D, false, true);
		return tf.reshape(y, [...shape.slice(0, -1), outDim]);
	}

	/** One layer projection, plus its LoRA update `(dropout(x) Aᵀ Bᵀ)·α/r` when adapted. */
	private linear(x: tf.Tensor, layer: number, m: LayerLinear): tf.Tensor {
		const name = `model.layers.${layer}.${LAYER_LINEARS[m]}.${m}`;
		const c = this.config;
		const y = this.matmulT(x, this.weight(`${name}.weight`), hasBias(c, m) ? this.weight(`${name}.bias`) : undefined);
		const l = this.lora;
		if (l === undefined || !l.targets.includes(m)) return y;
		let xin = x;
		if (l.dropout > 0 && recording()) {
			const n = x.size;
			const keep = new Float32Array(n);
			for (let i = 0; i < n; i++) keep[i] = this.dropoutRng.next() < l.dropout ? 0 : 1 / (1 - l.dropout);
			xin = tf.mul(x, tf.tensor(keep, x.shape));
		}
		const down = this.matmulT(xin, this.weight(`${name}.lora_A.weight`));
		const up = this.matmulT(down, this.weight(`${name}.lora_B.weight`));
		return tf.add(y, tf.mul(up, this.num(l.alpha / l.rank)));
	}

	private rmsNorm(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
		const variance = tf.mean(tf.square(x), -1, true);
		return tf.mul(w, tf.mul(x, tf.rsqrt(tf.add(variance, this.num(this.config.rmsNormEps)))));
	}

	/** `cos` and sign-folded `sin` tables `[B|1, 1, T, dh]` of the positions (rotate-half convention). */
	private rotary(pos: Int32Array, rows: number, T: number): [tf.Tensor4D, tf.Tensor4D] {
		const dh = this.config.headDim;
		const half = dh / 2;
		const cos = new Float32Array(rows * T * dh);
		const sin = new Float32Array(rows * T * dh);
		for (let r = 0; r < rows * T; r++) {
			const p = pos[r] as number;
			for (let i = 0; i < half; i++) {
				const a = Math.fround(p * (this.invFreq[i] as number));
				const cv = Math.cos(a);
				const sv = Math.sin(a);
				cos[r * dh + i] = cv;
				cos[r * dh + half + i] = cv;
				sin[r * dh + i] = -sv;
				sin[r * dh + half + i] = sv;
			}
		}
		return [tf.tensor4d(cos, [rows, 1, T, dh]), tf.tensor4d(sin, [rows, 1, T, dh])];
	}

	/** `x·cos + swap(x)·sin'` where swap exchanges the halves: HF's `x·cos + rotate_half(x)·sin`. */
	private rotate(x: tf.Tensor4D, cos: tf.Tensor4D, sin: tf.Tensor4D): tf.Tensor4D {
		const half = this.config.headDim / 2;
		const [a, b] = tf.split(x, [half, half], 3);
		return tf.add(tf.mul(x, cos), tf.mul(tf.concat([b as tf.Tensor, a as tf.Tensor], 3), sin)) as tf.Tensor4D;
	}

	forward(ids: tf.Tensor2D, options: ForwardOptions = {}): ForwardResult {
		const c = this.config;
		const [B, T] = ids.shape;
		const past = options.cache?.length ?? 0;
		const total = past + T;
		if (total > c.contextLength)
			throw new Error(`LlamaPolicy: sequence length ${total} exceeds the context length ${c.contextLength}`);
		const H = c.nHeads;
		const Hkv = c.nKvHeads;
		const dh = c.headDim;
		const window = c.slidingWindow;
		const padLeft = options.padLeft?.some((p) => p !== 0) ? options.padLeft : undefined;
		let pos: Int32Array;
		let rows: number;
		let mask: tf.Tensor4D | undefined;
		if (padLeft === undefined && (window === undefined || total <= window)) {
			rows = 1;
			pos = Int32Array.from({ length: T }, (_, i) => past + i);
			mask = T === 1 ? undefined : past === 0 ? causalMask(this.maskCache, T) : undefined;
			if (T > 1 && past > 0) {
				const data = new Float32Array(T * total);
				for (let i = 0; i < T; i++) for (let j = past + i + 1; j < total; j++) data[i * total + j] = NEG;
				mask = tf.tensor4d(data, [1, 1, T, total]);
			}
		} else {
			rows = B;
			pos = new Int32Array(B * T);
			const maskData = new Float32Array(B * T * total);
			for (let b = 0; b < B; b++) {
				const pl = padLeft?.[b] ?? 0;
				for (let i = 0; i < T; i++) {
					const q = past + i;
					pos[b * T + i] = Math.max(0, q - pl);
					const row = (b * T + i) * total;
					for (let j = 0; j < total; j++)
						if (j > q || j < pl || (window !== undefined && q - j >= window)) maskData[row + j] = NEG;
				}
			}
			mask = tf.tensor4d(maskData, [B, 1, T, total]);
		}
		const [cos, sin] = this.rotary(pos, rows, T);
		let x = tf.gather(this.weight("model.embed_tokens.weight"), ids) as tf.Tensor3D;
		const newK: tf.Tensor4D[] = [];
		const newV: tf.Tensor4D[] = [];
		const scale = this.num(1 / Math.sqrt(dh));
		const G = H / Hkv;
		const heads = (t: tf.Tensor, n: number) =>
			(T === 1
				? tf.reshape(t, [B, n, 1, dh])
				: tf.transpose(tf.reshape(t, [B, T, n, dh]), [0, 2, 1, 3])) as tf.Tensor4D;
		const repeat = (t: tf.Tensor4D): tf.Tensor4D => {
			if (G === 1) return t;
			const Tk = t.shape[2];
			// rank-3 tile (tfjs has no rank-5 tile gradient): query head h reads key/value head ⌊h / G⌋
			return tf.reshape(tf.tile(tf.reshape(t, [B * Hkv, 1, Tk * dh]), [1, G, 1]), [B, H, Tk, dh]) as tf.Tensor4D;
		};
		for (let l = 0; l < c.nLayers; l++) {
			const p = `model.layers.${l}`;
			const h = this.rmsNorm(x, this.weight(`${p}.input_layernorm.weight`));
			const q = this.rotate(heads(this.linear(h, l, "q_proj"), H), cos, sin);
			let k = this.rotate(heads(this.linear(h, l, "k_proj"), Hkv), cos, sin);
			let v = heads(this.linear(h, l, "v_proj"), Hkv);
			const cache = options.cache;
			if (cache !== undefined) {
				k = tf.concat([cache.k[l] as tf.Tensor4D, k], 2);
				v = tf.concat([cache.v[l] as tf.Tensor4D, v], 2);
			}
			if (options.returnCache) {
				newK.push(k);
				newV.push(v);
			}
			const att = attention(q, repeat(k), repeat(v), mask, scale, this.attention);
			const merged = tf.reshape(T === 1 ? att : tf.transpose(att, [0, 2, 1, 3]), [B, T, H * dh]);
			x = tf.add(x, this.linear(merged, l, "o_proj")) as tf.Tensor3D;
			const h2 = this.rmsNorm(x, this.weight(`${p}.post_attention_layernorm.weight`));
			const gate = this.linear(h2, l, "gate_proj");
			const act = tf.mul(gate, tf.sigmoid(gate));
			x = tf.add(x, this.linear(tf.mul(act, this.linear(h2, l, "up_proj")), l, "down_proj")) as tf.Tensor3D;
		}
		const hidden = this.rmsNorm(x, this.weight("model.norm.weight")) as tf.Tensor3D;
		return options.returnCache ? { hidden, cache: { k: newK, v: newV, length: total } } : { hidden };
	}

	logits(hidden: tf.Tensor3D): tf.Tensor3D {
		const w = this.weight(this.config.tieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight");
		return this.matmulT(hidden, w) as tf.Tensor3D;
	}

	private head(hidden: tf.Tensor3D, name: string): tf.Tensor2D {
		const [B, T, D] = hidden.shape;
		const y = tf.add(
			tf.matMul(tf.reshape(hidden, [B * T, D]), this.weight(`${name}.weight`) as tf.Tensor2D),
			this.weight(`${name}.bias`),
		);
		return tf.reshape(y, [B, T]) as tf.Tensor2D;
	}

	values(hidden: tf.Tensor3D): tf.Tensor2D {
		return this.head(hidden, "value_head");
	}

	progress(hidden: tf.Tensor3D): tf.Tensor2D {
		return this.head(hidden, "progress_head");
	}

	async readValues(): Promise<Map<string, Float32Array>> {
		const out = new Map<string, Float32Array>();
		for (const [name, v] of this.params) out.set(name, (await v.data()) as Float32Array);
		return out;
	}

	/** Every weight (frozen base included) by name, as arrays. */
	allValues(): Map<string, Float32Array> {
		const out = new Map<string, Float32Array>();
		for (const [name, t] of this.frozen) out.set(name, t.dataSync() as Float32Array);
		for (const [name, v] of this.params) out.set(name, v.dataSync() as Float32Array);
		return out;
	}

	copy(): LlamaPolicy {
		const all = this.allValues();
		const pick = (names: ReadonlyArray<string>) => new Map(names.map((n) => [n, all.get(n) as Float32Array]));
		return LlamaPolicy.fromWeights(
			this.config,
			{
				base: pick(llamaParameterShapes(this.config).map(([n]) => n)),
				heads: pick(HEAD_SHAPES(this.config).map(([n]) => n)),
				...(this.lora ? { lora: pick(loraShapes(this.config, this.lora).map(([n]) => n)) } : {}),
			},
			this.lora,
			this.source,
		);
	}

	/** The base weights with the LoRA updates folded in (`W + (α/r)·B·A`), by HF name: what export writes. */
	mergedValues(): Map<string, Float32Array> {
		const out = new Map<string, Float32Array>();
		const all = this.allValues();
		for (const [name] of llamaParameterShapes(this.config)) out.set(name, all.get(name) as Float32Array);
		const l = this.lora;
		if (l === undefined) return out;
		for (const { module } of loraModules(this.config, l)) {
			const merged = tf.tidy(() =>
				tf.add(
					this.weight(`${module}.weight`),
					tf.mul(
						tf.matMul(
							this.weight(`${module}.lora_B.weight`) as tf.Tensor2D,
							this.weight(`${module}.lora_A.weight`) as tf.Tensor2D,
						),
						l.alpha / l.rank,
					),
				),
			);
			out.set(`${module}.weight`, merged.dataSync() as Float32Array);
			merged.dispose();
		}
		return out;
	}

	dispose(): void {
		for (const v of this.params.values()) v.dispose();
		for (const t of this.frozen.values()) t.dispose();
		for (const m of this.maskCache.values()) m.dispose();
		this.maskCache.clear();
		for (const s of this.scalars.values()) s.dispose();
		this.scalars.clear();
	}
}
