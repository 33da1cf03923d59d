import type * as tf from "@tensorflow/tfjs-core";

/** Per-layer keys and values of the tokens seen so far: `[B, H, T, dHead]` each (H: the key/value heads). */
export interface KvCache {
	readonly k: ReadonlyArray<tf.Tensor4D>;
	readonly v: ReadonlyArray<tf.Tensor4D>;
	/** Sequence length held (the same for every row; left padding is masked). */
	readonly length: number;
	/** Line and column of the next token of each row (models with line/column embeddings). */
	readonly lines?: Int32Array;
	readonly columns?: Int32Array;
}

/** Options of {@link PolicyModel.forward}. */
export interface ForwardOptions {
	/**
	 * Per-row count of left-padding tokens at the start of the whole sequence (cache included):
	 * those keys are masked and positions count from the first real token. Omit for no left padding
	 * (right padding needs no mask: causal attention never looks ahead).
	 */
	readonly padLeft?: ReadonlyArray<number>;
	/** Keys/values of the earlier tokens; the new tokens continue at position `cache.length`. */
	readonly cache?: KvCache;
	/** Also return the cache extended with the new tokens' keys and values. */
	readonly returnCache?: boolean;
}

/** What {@link PolicyModel.forward} returns: the final-norm hidden states `[B, T, D]`. */
export interface ForwardResult {
	readonly hidden: tf.Tensor3D;
	readonly cache?: KvCache;
}

/** The sizes every caller of a policy model needs, whatever its architecture. */
export interface PolicyShape {
	/** Vocabulary size: the LM head's width. */
	readonly vocabSize: number;
	/** Longest sequence the model takes (cache included). */
	readonly contextLength: number;
	/** Width of the hidden states `forward` returns. */
	readonly dModel: number;
	/** Transformer blocks and attention (query) heads: what sizes the attention scores of a pass. */
	readonly nLayers: number;
	readonly nHeads: number;
}

/**
 * A policy model as the collector, the scorers, SFT, the RL trainers and the progress estimator
 * use it: a causal LM whose `forward` gives final-norm hidden states (with a KV cache and left
 * padding), read by three heads: the LM head, a value head (PPO critic) and a progress head (SPA).
 * Our own GPT ({@link TransformerPolicy}) and the Llama-family decoder ({@link LlamaPolicy}) are
 * its two implementations.
 */
export interface PolicyModel {
	/** Which implementation: `gpt` (ours) or `llama` (Llama, Qwen2, Mistral). */
	readonly arch: "gpt" | "llama";
	readonly config: PolicyShape;
	/**
	 * The trainable parameters by canonical name, in the order of {@link variables}. The value head
	 * is `value_head.weight`/`.bias` and the progress head `progress_head.weight`/`.bias` in every
	 * implementation. Frozen weights (a LoRA model's base) are not in it.
	 */
	readonly params: ReadonlyMap<string, tf.Variable>;
	/** Count of all parameters, frozen ones included. */
	readonly parameterCount: number;
	/** Attention kernels (see `TransformerPolicy.attention`). */
	attention: "auto" | "batched" | "sliced";
	/** Hidden states `[B, T, D]` of `ids` `[B, T]`; call inside `tf.tidy` (or dispose the results). */
	forward(ids: tf.Tensor2D, options?: ForwardOptions): ForwardResult;
	/** LM logits `[B, T, V]` from hidden states. */
	logits(hidden: tf.Tensor3D): tf.Tensor3D;
	/** Value-head outputs `[B, T]`. */
	values(hidden: tf.Tensor3D): tf.Tensor2D;
	/** Progress-head outputs `[B, T]`. */
	progress(hidden: tf.Tensor3D): tf.Tensor2D;
	/** The trainable variables, in canonical order. */
	variables(): tf.Variable[];
	/** Copy every trainable parameter's values out, by canonical name. */
	readValues(): Promise<Map<string, Float32Array>>;
	/** A model with fresh variables holding this one's current values (a frozen KL reference, a critic). */
	copy(): PolicyModel;
	/** Free the weights and cached tensors. */
	dispose(): void;
}

/** Dispose the tensors of a cache. */
export const disposeCache = (cache: KvCache | undefined): void => {
	if (cache === undefined) return;
	for (const t of cache.k) t.dispose();
	for (const t of cache.v) t.dispose();
};
