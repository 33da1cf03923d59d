import "../backend/gradients.ts";
import * as tf from "@tensorflow/tfjs-core";
import { normalArray, Rng } from "../util/rng.ts";
import type { ModelConfig } from "./config.ts";

import type { ForwardOptions, ForwardResult, KvCache, PolicyModel } from "./policy-model.ts";

export { disposeCache, type ForwardOptions, type ForwardResult, type KvCache } from "./policy-model.ts";

const NEG = -1e9;

/**
 * The causal mask bias `[1, 1, T, T]` (0 allowed, -1e9 masked) in a model's `cache`, made once per
 * length and kept across calls (the model disposes the cache).
 */
export const causalMask = (cache: Map<number, tf.Tensor4D>, T: number): tf.Tensor4D => {
	let m = cache.get(T);
	if (m === undefined) {
		const data = new Float32Array(T * T);
		for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) data[i * T + j] = NEG;
		m = tf.keep(tf.tensor4d(data, [1, 1, T, T]));
		cache.set(T, m);
	}
	return m;
};

/** tfjs variable names are process-global: each model instance gets its own prefix. */
let instances = 0;
const uniquePrefix = (): string => `policy${instances++}/`;

/** The parameter names and shapes of a config, in the canonical (checkpoint) order. */
export const parameterShapes = (c: ModelConfig): Array<readonly [string, number[]]> => {
	const D = c.dModel;
	const shapes: Array<readonly [string, number[]]> = [
		["tok_emb", [c.vocabSize, D]],
		["pos_emb", [c.contextLength, D]],
	];
	if (c.newlineToken !== undefined)
		shapes.push(["line_emb", [c.maxLines ?? 1, D]], ["col_emb", [c.maxColumns ?? 1, D]]);
	for (let i = 0; i < c.nLayers; i++) {
		const p = `blocks.${i}`;
		shapes.push(
			[`${p}.ln1.weight`, [D]],
			[`${p}.ln1.bias`, [D]],
			[`${p}.attn.qkv.weight`, [D, 3 * D]],
			[`${p}.attn.qkv.bias`, [3 * D]],
			[`${p}.attn.out.weight`, [D, D]],
			[`${p}.attn.out.bias`, [D]],
			[`${p}.ln2.weight`, [D]],
			[`${p}.ln2.bias`, [D]],
			[`${p}.mlp.fc.weight`, [D, c.dFF]],
			[`${p}.mlp.fc.bias`, [c.dFF]],
			[`${p}.mlp.proj.weight`, [c.dFF, D]],
			[`${p}.mlp.proj.bias`, [D]],
		);
	}
	shapes.push(
		["ln_f.weight", [D]],
		["ln_f.bias", [D]],
		["lm_head.weight", [D, c.vocabSize]],
		["lm_head.bias", [c.vocabSize]],
		["value_head.weight", [D, 1]],
		["value_head.bias", [1]],
		["progress_head.weight", [D, 1]],
		["progress_head.bias", [1]],
	);
	return shapes;
};

/** GPT-2 style initial values: N(0, 0.02²) weights, residual projections scaled by 1/√(2L), unit norms, zero biases and value/progress heads. */
const initialValues = (c: ModelConfig, name: string, size: number, rng: Rng): Float32Array => {
	if (name.endsWith("ln1.weight") || name.endsWith("ln2.weight") || name === "ln_f.weight")
		return new Float32Array(size).fill(1);
	if (name.endsWith(".bias") || name.startsWith("value_head") || name.startsWith("progress_head"))
		return new Float32Array(size);
	const std =
		name.endsWith("attn.out.weight") || name.endsWith("mlp.proj.weight") ? 0.02 / Math.sqrt(2 * c.nLayers) : 0.02;
	return normalArray(rng, size, std);
};

/**
 * The elementwise and reduction ops of the layers, as `tf` ops or as direct kernel calls. A `tf` op
 * opens a scope and checks its arguments before running its kernel; calling the kernel directly
 * runs the same kernel on the same inputs (so the same results, bit for bit) 1.5–2 µs sooner,
 * which counts when a decoding step is ~130 small kernels. Direct calls are used only while no
 * gradient tape records (see {@link recording}); the tape path stays on the `tf` ops.
 */
interface Ops {
	add(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
	sub(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
	mul(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
	sigmoid(x: tf.Tensor): tf.Tensor;
	square(x: tf.Tensor): tf.Tensor;
	rsqrt(x: tf.Tensor): tf.Tensor;
	/** Mean over the last axis, kept. */
	meanLast(x: tf.Tensor): tf.Tensor;
}

const tfOps: Ops = {
	add: (a, b) => tf.add(a, b),
	sub: (a, b) => tf.sub(a, b),
	mul: (a, b) => tf.mul(a, b),
	sigmoid: (x) => tf.sigmoid(x),
	square: (x) => tf.square(x),
	rsqrt: (x) => tf.rsqrt(x),
	meanLast: (x) => tf.mean(x, -1, true),
};

const run = (kernel: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): tf.Tensor =>
	tf.engine().runKernel(kernel, inputs, attrs) as tf.Tensor;

/** The kernels the `tf` ops of {@link tfOps} run, with the attrs they pass (tfjs-core 4.22). */
const kernelOps: Ops = {
	add: (a, b) => run(tf.Add, { a, b }),
	sub: (a, b) => run(tf.Sub, { a, b }),
	mul: (a, b) => run(tf.Multiply, { a, b }),
	sigmoid: (x) => run(tf.Sigmoid, { x }),
	square: (x) => run(tf.Square, { x }),
	rsqrt: (x) => run(tf.Rsqrt, { x }),
	meanLast: (x) => run(tf.Mean, { x }, { axis: -1, keepDims: true }),
};

/**
 * The layers' numeric constants as kept float32 scalars, one per value and model: `tf.mul(x, 0.5)`
 * uploads a new scalar per call (~10 µs); a kept scalar of the same value gives the same results.
 */
type Constant = (v: number) => tf.Scalar;

/** 2·√(2/π): the tanh-approximated GELU is ½x(1 + tanh(√(2/π)·u)) = x·σ(2√(2/π)·u), u = x + 0.044715·x³. */
const GELU_K2 = 2 * Math.sqrt(2 / Math.PI);

/**
 * The tanh-approximated GELU written with a sigmoid, x·σ(2k·(x + a·x²·x)), which is the same
 * function: tfjs-backend-wasm's Sigmoid kernel is vectorised and its Tanh is not (10–20× slower per
 * element), and x²·x is a Square and a Multiply where Pow(x, 3) costs ten times more. Together the
 * GELU was a fifth or more of the small policy's training step on wasm.
 */
const gelu = (x: tf.Tensor, o: Ops, c: Constant): tf.Tensor =>
	o.mul(x, o.sigmoid(o.mul(o.add(x, o.mul(o.mul(o.square(x), x), c(0.044715))), c(GELU_K2))));

/**
 * {@link gelu} under a gradient tape: the same forward ops (so the same values), with the
 * derivative written out, s + x·s(1 − s)·2k(1 + 3a·x²) for s = σ(2k(x + a·x³)). Autodiff through
 * the ops recomputes more and keeps more intermediates.
 */
const geluTaped = (x: tf.Tensor, c: Constant): tf.Tensor =>
	(
		tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
			const input = args[0] as tf.Tensor;
			const save = args[1] as tf.GradSaveFunc;
			const s = tf.sigmoid(tf.mul(tf.add(input, tf.mul(tf.mul(tf.square(input), input), c(0.044715))), c(GELU_K2)));
			const value = tf.mul(input, s);
			save([input, s]);
			return {
				value,
				gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
					const [xs, sg] = saved as [tf.Tensor, tf.Tensor];
					const inner = tf.mul(c(GELU_K2), tf.add(c(1), tf.mul(c(3 * 0.044715), tf.square(xs))));
					const slope = tf.add(sg, tf.mul(tf.mul(xs, tf.mul(sg, tf.sub(c(1), sg))), inner));
					return tf.mul(dy, slope);
				},
			};
		}) as (x: tf.Tensor) => tf.Tensor
	)(x);

/**
 * The model's tanh-approximated GELU as its forward applies it: the written-out gradient under a
 * tape, direct kernel calls otherwise (exported for tests; `c` defaults to fresh scalars).
 */
export const geluTanh = (x: tf.Tensor, c: Constant = (v) => tf.scalar(v)): tf.Tensor =>
	recording() ? geluTaped(x, c) : gelu(x, kernelOps, c);

const layerNorm = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, o: Ops, c: Constant): tf.Tensor => {
	const centred = o.sub(x, o.meanLast(x));
	const variance = o.meanLast(o.square(centred));
	return o.add(o.mul(o.mul(centred, o.rsqrt(o.add(variance, c(1e-5)))), g), b);
};

/** True while a gradient tape records (inside `tf.grads`, `variableGrads`, `minimize`). */
const recording = (): boolean => (tf.engine().state as { gradientDepth: number }).gradientDepth > 0;

/** `[N, ..., in] @ [in, out] + bias` as one 2-D matmul (the fast wasm path). */
const dense = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor => {
	const shape = x.shape;
	const inDim = shape[shape.length - 1] as number;
	const outDim = w.shape[1] as number;
	if (!recording()) {
		// The same _FusedMatMul kernel tf.fused.matMul runs (bit-identical), without its customGrad
		// wrapper and argument checks: about 16 µs less per call, which counts when decoding one token.
		const y = tf
			.engine()
			.runKernel(
				tf._FusedMatMul,
				{ a: tf.reshape(x, [1, -1, inDim]), b: tf.reshape(w, [1, inDim, outDim]), bias: b },
				{ transposeA: false, transposeB: false, activation: "linear", leakyreluAlpha: 0.2 },
			) as tf.Tensor;
		return tf.reshape(y, [...shape.slice(0, -1), outDim]);
	}
	const y = tf.fused.matMul({ a: tf.reshape(x, [-1, inDim]) as tf.Tensor2D, b: w as tf.Tensor2D, bias: b });
	return tf.reshape(y, [...shape.slice(0, -1), outDim]);
};

/**
 * Query length from which {@link TransformerPolicy.attention} `"auto"` uses the sliced kernels.
 * Measured on wasm (bench/policy-model.ts prints the attention-only figures): at 32 queries the
 * sliced path is already as fast as the batched one (forward and backward, 4 to 64 heads×rows),
 * from 64 on it is 2–6× faster; below 32, and for single-token decoding, the batched one wins.
 */
export const SLICED_ATTENTION_MIN_QUERIES = 32;

/**
 * The contraction block of tfjs-backend-wasm's batched-matmul loop (`kBlockSize` in its
 * batch_mat_mul_impl.cc): it sums each output's products 48 at a time, in order, and adds the
 * block sums in order. XNNPACK's 2-D matmul sums the products of one call in order, so 2-D
 * matmuls over 48-wide slices of the contraction, added in order, give the same bits.
 */
const WASM_BATCHED_BLOCK = 48;

/**
 * `[n, M, K] @ [n, K, N]` as n 2-D matmuls (XNNPACK on wasm). With `block` < K the contraction
 * is cut into `block`-wide slices whose products are added in order.
 */
const slicedMatMul = (a: tf.Tensor3D, b: tf.Tensor3D, block: number): tf.Tensor3D => {
	const [n, M, K] = a.shape;
	const N = b.shape[2];
	let out: tf.Tensor3D | undefined;
	for (let k0 = 0; k0 < K; k0 += block) {
		const w = Math.min(block, K - k0);
		const as = tf.unstack(w === K ? a : tf.slice(a, [0, 0, k0], [n, M, w])) as tf.Tensor2D[];
		const bs = tf.unstack(w === K ? b : tf.slice(b, [0, k0, 0], [n, w, N])) as tf.Tensor2D[];
		const part = tf.stack(as.map((x, i) => tf.matMul(x, bs[i] as tf.Tensor2D))) as tf.Tensor3D;
		out = out === undefined ? part : (tf.add(out, part) as tf.Tensor3D);
	}
	return out as tf.Tensor3D;
};

/**
 * Whether {@link attention}'s `"auto"` may slice: only on wasm, whose batched matmul is a scalar
 * loop. The native backend runs batched matmuls on its own multi-threaded kernels, where slicing
 * would only multiply the ops (B·H matmuls per product, each paying the per-op overhead).
 */
const slicingPays = (): boolean => tf.getBackend() !== "tensorflow";

/**
 * Scaled dot-product attention `softmax(q kᵀ · scale + mask) v` over `[B, H, T, dh]` queries and
 * `[B, H, Tk, dh]` keys/values, with an additive mask broadcast to `[B, H, T, Tk]` (none: every
 * key visible). See {@link TransformerPolicy.attention} for the kernels.
 */
export const attention = (
	q: tf.Tensor4D,
	k: tf.Tensor4D,
	v: tf.Tensor4D,
	mask: tf.Tensor4D | undefined,
	scale: number | tf.Scalar,
	kernels: "auto" | "batched" | "sliced" = "auto",
): tf.Tensor4D => {
	const [B, H, T, dh] = q.shape;
	const Tk = k.shape[2];
	// scaling q (B·T·D values) instead of the scores (B·H·T·Tk) saves one T² tensor per layer
	const qs = tf.mul(q, scale);
	if (kernels === "batched" || (kernels === "auto" && (T < SLICED_ATTENTION_MIN_QUERIES || !slicingPays()))) {
		const scores = tf.matMul(qs, k, false, true);
		return tf.matMul(tf.softmax(mask === undefined ? scores : tf.add(scores, mask)), v);
	}
	// Without a gradient tape (generation, scoring) the products follow the batched loop's blocks,
	// so the outputs are bit-identical to `batched`; under a tape one product per slice is faster
	// in the backward pass (and differs from `batched` by float rounding only, ~1e-6).
	const block = recording() ? Number.POSITIVE_INFINITY : WASM_BATCHED_BLOCK;
	const n = B * H;
	// kᵀ once for all heads: the per-slice matmuls then need no transpose
	const kt = tf.reshape(tf.transpose(k, [0, 1, 3, 2]), [n, dh, Tk]) as tf.Tensor3D;
	const scores = tf.reshape(slicedMatMul(tf.reshape(qs, [n, T, dh]) as tf.Tensor3D, kt, block), [B, H, T, Tk]);
	const probs = tf.softmax(mask === undefined ? scores : tf.add(scores, mask));
	const out = slicedMatMul(
		tf.reshape(probs, [n, T, Tk]) as tf.Tensor3D,
		tf.reshape(v, [n, Tk, dh]) as tf.Tensor3D,
		block,
	);
	return tf.reshape(out, [B, H, T, dh]) as tf.Tensor4D;
};

/**
 * A decoder-only transformer language model (pre-LN, causal multi-head attention, tanh-GELU MLP,
 * learned absolute positions) written with raw `tf` ops and `tf.variable`s, so it runs on every
 * backend. Besides the LM head it has a value head (PPO critic) and a progress head (SPA's
 * per-step progress estimator), both scalar per token.
 */
export class TransformerPolicy implements PolicyModel {
	readonly arch = "gpt" as const;
	/** Parameters by canonical name, in checkpoint order. */
	readonly params: Map<string, tf.Variable>;
	private readonly maskCache = new Map<number, tf.Tensor4D>();
	private readonly constants = new Map<number, tf.Scalar>();
	/** Kept float32 scalars of the layers' constants (see {@link Constant}). */
	private readonly constant: Constant = (v) => {
		let s = this.constants.get(v);
		if (s === undefined) {
			s = tf.keep(tf.scalar(v));
			this.constants.set(v, s);
		}
		return s;
	};

	private constructor(
		readonly config: ModelConfig,
		params: Map<string, tf.Variable>,
	) {
		this.params = params;
	}

	/** A freshly initialised model; the initial weights are a pure function of `seed`. */
	static init(config: ModelConfig, seed = 0): TransformerPolicy {
		const rng = new Rng(seed);
		const params = new Map<string, tf.Variable>();
		const prefix = uniquePrefix();
		for (const [name, shape] of parameterShapes(config)) {
			const size = shape.reduce((a, b) => a * b, 1);
			const value = tf.tensor(initialValues(config, name, size, rng.fork(name)), shape);
			params.set(name, tf.variable(value, true, prefix + name));
			value.dispose();
		}
		return new TransformerPolicy(config, params);
	}

	/** A model holding the given values (names and shapes must match {@link parameterShapes}). */
	static fromValues(config: ModelConfig, values: ReadonlyMap<string, Float32Array>): TransformerPolicy {
		const params = new Map<string, tf.Variable>();
		const prefix = uniquePrefix();
		for (const [name, shape] of parameterShapes(config)) {
			const data = values.get(name);
			if (data === undefined) throw new Error(`missing parameter ${name}`);
			const value = tf.tensor(data, shape);
			params.set(name, tf.variable(value, true, prefix + name));
			value.dispose();
		}
		return new TransformerPolicy(config, params);
	}

	/** A model with fresh variables holding this one's current values (e.g. a frozen KL reference). */
	copy(): TransformerPolicy {
		return TransformerPolicy.fromValues(
			this.config,
			new Map([...this.params].map(([k, v]) => [k, v.dataSync() as Float32Array])),
		);
	}

	/** Trainable variables in canonical order. */
	variables(): tf.Variable[] {
		return [...this.params.values()];
	}

	/** Total parameter count. */
	get parameterCount(): number {
		let n = 0;
		for (const v of this.params.values()) n += v.size;
		return n;
	}

	private p(name: string): tf.Variable {
		const v = this.params.get(name);
		if (v === undefined) throw new Error(`TransformerPolicy: no parameter ${name}`);
		return v;
	}

	/**
	 * Run the blocks over `ids` `[B, T]` and return the final-norm hidden states `[B, T, D]`
	 * (and, when asked, the extended KV cache). Call inside `tf.tidy` (or dispose the results).
	 */
	forward(ids: tf.Tensor2D, options: ForwardOptions = {}): ForwardResult {
		const c = this.config;
		const [B, T] = ids.shape;
		const past = options.cache?.length ?? 0;
		const total = past + T;
		if (total > c.contextLength)
			throw new Error(`TransformerPolicy: sequence length ${total} exceeds the context length ${c.contextLength}`);
		const H = c.nHeads;
		const dh = c.dModel / H;
		// all-zero padding is no padding (generate passes zeros for unpadded rows)
		const padLeft = options.padLeft?.some((p) => p !== 0) ? options.padLeft : undefined;
		let positions: tf.Tensor;
		let mask: tf.Tensor4D | undefined;
		if (options.padLeft === undefined && past === 0) {
			positions = tf.range(0, T, 1, "int32");
			mask = causalMask(this.maskCache, T);
		} else if (padLeft === undefined && T === 1) {
			// one new token with no padding sees every key: the mask would be all zeros
			positions = tf.tensor2d([past], [1, 1], "int32");
		} else {
			const pos = new Int32Array(B * T);
			const maskData = new Float32Array(B * T * total);
			for (let b = 0; b < B; b++) {
				const pl = padLeft?.[b] ?? 0;
				for (let i = 0; i < T; i++) {
					const q = past + i;
					pos[b * T + i] = Math.max(0, q - pl);
					const row = (b * T + i) * total;
					for (let j = 0; j < total; j++) if (j > q || j < pl) maskData[row + j] = NEG;
				}
			}
			positions = tf.tensor2d(pos, [B, T], "int32");
			mask = tf.tensor4d(maskData, [B, 1, T, total]);
		}
		let x = tf.add(tf.gather(this.p("tok_emb"), ids), tf.gather(this.p("pos_emb"), positions)) as tf.Tensor3D;
		let grid: { lines: Int32Array; columns: Int32Array } | undefined;
		if (c.newlineToken !== undefined) {
			const g = this.lineColumns(ids, past, padLeft, options.cache);
			grid = g.next;
			x = tf.add(
				x,
				tf.add(
					tf.gather(this.p("line_emb"), tf.tensor2d(g.lines, [B, T], "int32")),
					tf.gather(this.p("col_emb"), tf.tensor2d(g.columns, [B, T], "int32")),
				),
			) as tf.Tensor3D;
		}
		const newK: tf.Tensor4D[] = [];
		const newV: tf.Tensor4D[] = [];
		const num = this.constant;
		const o = recording() ? tfOps : kernelOps;
		const scale = num(1 / Math.sqrt(dh));
		for (let l = 0; l < c.nLayers; l++) {
			const pre = `blocks.${l}`;
			const h = layerNorm(x, this.p(`${pre}.ln1.weight`), this.p(`${pre}.ln1.bias`), o, num);
			const qkv = dense(h, this.p(`${pre}.attn.qkv.weight`), this.p(`${pre}.attn.qkv.bias`));
			const [q, k, v] = tf.split(qkv, 3, 2) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
			// [B, T, D] → [B, H, T, dh]; for one token the transpose moves nothing, a reshape does
			const heads = (t: tf.Tensor3D) =>
				(T === 1
					? tf.reshape(t, [B, H, 1, dh])
					: tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3])) as tf.Tensor4D;
			let kh = heads(k);
			let vh = heads(v);
			const cache = options.cache;
			if (cache !== undefined) {
				kh = tf.concat([cache.k[l] as tf.Tensor4D, kh], 2);
				vh = tf.concat([cache.v[l] as tf.Tensor4D, vh], 2);
			}
			if (options.returnCache) {
				newK.push(kh);
				newV.push(vh);
			}
			const att = this.attend(heads(q), kh, vh, mask, scale);
			const merged = tf.reshape(T === 1 ? att : tf.transpose(att, [0, 2, 1, 3]), [B, T, c.dModel]);
			x = o.add(x, dense(merged, this.p(`${pre}.attn.out.weight`), this.p(`${pre}.attn.out.bias`))) as tf.Tensor3D;
			const h2 = layerNorm(x, this.p(`${pre}.ln2.weight`), this.p(`${pre}.ln2.bias`), o, num);
			const ff = dense(
				geluTanh(dense(h2, this.p(`${pre}.mlp.fc.weight`), this.p(`${pre}.mlp.fc.bias`)), num),
				this.p(`${pre}.mlp.proj.weight`),
				this.p(`${pre}.mlp.proj.bias`),
			);
			x = o.add(x, ff) as tf.Tensor3D;
		}
		const hidden = layerNorm(x, this.p("ln_f.weight"), this.p("ln_f.bias"), o, num) as tf.Tensor3D;
		return options.returnCache
			? {
					hidden,
					cache: { k: newK, v: newV, length: total, ...(grid ? { lines: grid.lines, columns: grid.columns } : {}) },
				}
			: { hidden };
	}

	/**
	 * Line and column indices of each new token (clamped to the tables), counting from each row's
	 * first real token and continuing from the cache's state; the newline token ends its line.
	 */
	private lineColumns(
		ids: tf.Tensor2D,
		past: number,
		padLeft: ReadonlyArray<number> | undefined,
		cache: KvCache | undefined,
	): { lines: Int32Array; columns: Int32Array; next: { lines: Int32Array; columns: Int32Array } } {
		const c = this.config;
		const [B, T] = ids.shape;
		const data = ids.dataSync();
		const lines = new Int32Array(B * T);
		const columns = new Int32Array(B * T);
		const next = { lines: new Int32Array(B), columns: new Int32Array(B) };
		const maxL = (c.maxLines ?? 1) - 1;
		const maxC = (c.maxColumns ?? 1) - 1;
		for (let b = 0; b < B; b++) {
			const pl = padLeft?.[b] ?? 0;
			let line = cache?.lines?.[b] ?? 0;
			let col = cache?.columns?.[b] ?? 0;
			for (let i = 0; i < T; i++) {
				if (past + i < pl) continue;
				lines[b * T + i] = Math.min(line, maxL);
				columns[b * T + i] = Math.min(col, maxC);
				if (data[b * T + i] === c.newlineToken) {
					line++;
					col = 0;
				} else col++;
			}
			next.lines[b] = line;
			next.columns[b] = col;
		}
		return { lines, columns, next };
	}

	/**
	 * Which attention kernels to use. Without a gradient tape (generation, scoring) all give the
	 * same bits; under a tape `sliced` differs from `batched` by float rounding (~1e-6, outputs
	 * and gradients; tested):
	 * - `batched`: two rank-4 batched matmuls. tfjs-backend-wasm runs every batched matmul on its
	 *   scalar loop (~2 GFLOP/s, docs/backends.md), but with one kernel call per matmul it is the
	 *   fastest for few queries, and single-token decoding always uses it.
	 * - `sliced`: one 2-D matmul per (row, head) on XNNPACK (~15–20 GFLOP/s) after slicing the
	 *   heads apart (without a tape, per 48-wide slice of the contraction, as the batched loop
	 *   sums). With the slice kernel patch (backend/wasm-slice.ts) the slicing is cheap, and it is
	 *   2–6× faster than `batched` from 64 queries on (bench/policy-model.ts).
	 * - `auto` (default): on wasm `sliced` from {@link SLICED_ATTENTION_MIN_QUERIES} queries on, else (and on the native backend always) `batched`.
	 */
	attention: "auto" | "batched" | "sliced" = "auto";

	private attend(
		q: tf.Tensor4D,
		k: tf.Tensor4D,
		v: tf.Tensor4D,
		mask: tf.Tensor4D | undefined,
		scale: number | tf.Scalar,
	): tf.Tensor4D {
		return attention(q, k, v, mask, scale, this.attention);
	}

	/** LM logits `[B, T, V]` from hidden states. */
	logits(hidden: tf.Tensor3D): tf.Tensor3D {
		return dense(hidden, this.p("lm_head.weight"), this.p("lm_head.bias")) as tf.Tensor3D;
	}

	/** Value-head outputs `[B, T]` (the PPO critic's V at each token). */
	values(hidden: tf.Tensor3D): tf.Tensor2D {
		return tf.squeeze(dense(hidden, this.p("value_head.weight"), this.p("value_head.bias")), [2]) as tf.Tensor2D;
	}

	/** Progress-head outputs `[B, T]` (SPA's progress estimate, read at the last token of each action). */
	progress(hidden: tf.Tensor3D): tf.Tensor2D {
		return tf.squeeze(dense(hidden, this.p("progress_head.weight"), this.p("progress_head.bias")), [2]) as tf.Tensor2D;
	}

	/** Copy every parameter's values out (for checkpoints). */
	async readValues(): Promise<Map<string, Float32Array>> {
		const out = new Map<string, Float32Array>();
		for (const [name, v] of this.params) out.set(name, (await v.data()) as Float32Array);
		return out;
	}

	/** Free the parameters and cached masks. */
	dispose(): void {
		for (const v of this.params.values()) v.dispose();
		for (const m of this.maskCache.values()) m.dispose();
		this.maskCache.clear();
		for (const s of this.constants.values()) s.dispose();
		this.constants.clear();
	}
}
