import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { Effect, Exit, Schema } from "effect";
import { PromptStyle } from "../env/spec.ts";
import { LlamaConfig } from "../hf/config.ts";
import { HEAD_SHAPES, LlamaPolicy, llamaParameterShapes } from "../hf/llama.ts";
import { HF_FILES, readHfWeights } from "../hf/load.ts";
import { LoraSpec } from "../hf/lora.ts";
import { ADAPTER_FILES, adapterFiles, readAdapter } from "../hf/peft.ts";
import { loadHfPromptCodec } from "../hf/prompting.ts";
import { fsErrorText } from "../util/atomic.ts";
import { ModelConfig } from "./config.ts";
import { CheckpointError } from "./errors.ts";
import { parameterShapes, TransformerPolicy } from "./model.ts";
import type { PolicyModel } from "./policy-model.ts";
import { type PromptCodec, stepwisePromptCodec } from "./prompt-codec.ts";
import { decodeSafetensors, encodeSafetensors, type NamedTensor, type SafetensorsFile } from "./safetensors.ts";
import { Tokenizer, TokenizerJson } from "./tokenizer.ts";

type TfNamed = { name: string; tensor: tf.Tensor };

/** Checkpoint layout version (in `config.json`). */
export const CHECKPOINT_VERSION = 1;

/** File names inside a checkpoint directory. */
export const CHECKPOINT_FILES = {
	model: "model.safetensors",
	optimizer: "optimizer.safetensors",
	tokenizer: "tokenizer.json",
	config: "config.json",
	state: "state.json",
} as const;

/**
 * The environment a policy was trained on, recorded in its checkpoint so that evaluating it needs
 * no `env.spec`: the spec id, the plugin options, the prompt style and the answer length.
 */
export const CheckpointEnv = Schema.Struct({
	spec: Schema.String,
	options: Schema.Record(Schema.String, Schema.Unknown),
	promptStyle: PromptStyle,
	maxNewTokens: Schema.Int.check(Schema.isGreaterThan(0)),
});
export type CheckpointEnv = typeof CheckpointEnv.Type;

/** `config.json` of our GPT: the format tag, version and model shape, and (from this version on) the env trained on. */
export const GptCheckpointConfig = Schema.Struct({
	format: Schema.Literal("stepwise-policy"),
	version: Schema.Literal(CHECKPOINT_VERSION),
	model: ModelConfig,
	/** Absent in checkpoints written before it was recorded (and in those of a bare `saveCheckpoint`). */
	env: Schema.optionalKey(CheckpointEnv),
});

/**
 * `config.json` of a Llama-family policy: its shape, its LoRA settings when adapted, the Hugging
 * Face directory its frozen base came from (else the base is in `frozen.safetensors`), and which
 * tokenizer it uses: ours (`tokenizer.json` in our format; the default) or, with `tokenizer: hf`,
 * the Hugging Face tokenizer files and chat template copied from that directory. A LoRA policy's
 * adapters and heads are a PEFT adapter directory's files (`adapter_config.json`,
 * `adapter_model.safetensors`, `stepwise_heads.safetensors`) beside `config.json`.
 */
export const LlamaCheckpointConfig = Schema.Struct({
	format: Schema.Literal("stepwise-policy"),
	version: Schema.Literal(CHECKPOINT_VERSION),
	arch: Schema.Literal("llama"),
	llama: LlamaConfig,
	lora: Schema.optionalKey(LoraSpec),
	base: Schema.optionalKey(Schema.String),
	tokenizer: Schema.optionalKey(Schema.Literal("hf")),
	/** The env trained on, as in {@link GptCheckpointConfig}. */
	env: Schema.optionalKey(CheckpointEnv),
});

/** `config.json`: the format tag, version and model shape (our GPT, or a Llama-family decoder). */
export const CheckpointConfig = Schema.Union([GptCheckpointConfig, LlamaCheckpointConfig]);
export type CheckpointConfig = typeof CheckpointConfig.Type;

/** A LoRA checkpoint without a base directory keeps its frozen weights here. */
const FROZEN_FILE = "frozen.safetensors";

/** What {@link saveCheckpoint} writes. */
export interface CheckpointInput {
	readonly model: PolicyModel;
	/** The policy's tokenizer and prompt format (ours, or a Hugging Face directory's). */
	readonly codec: PromptCodec;
	/** Adam state to resume from (moments in `model.variables()` order). */
	readonly optimizer?: tf.AdamOptimizer;
	/** Free-form trainer state (step, best validation loss …), saved as `state.json`. */
	readonly state?: Readonly<Record<string, unknown>>;
	/** The environment the policy is trained on (in `config.json`). */
	readonly env?: CheckpointEnv;
	/**
	 * A checkpoint directory written before this one (a trainer's policy, for its reference and
	 * critic): the tokenizer files and frozen base weights whose bytes equal its own are hard links
	 * to them instead of copies (written when linking fails). Each directory still loads on its own.
	 */
	readonly shareWith?: string;
}

/** Write `data` at `path`, or hard-link `shared` there when that file holds the same bytes. */
const writeOrLink = (path: string, data: string | Uint8Array, shared: string | undefined): void => {
	if (shared !== undefined && existsSync(shared)) {
		const bytes = typeof data === "string" ? Buffer.from(data) : data;
		if (readFileSync(shared).equals(bytes))
			try {
				linkSync(shared, path);
				return;
			} catch {
				// another file system, or links refused: write the copy
			}
	}
	writeFileSync(path, data);
};

/** What {@link loadCheckpoint} returns. */
export interface LoadedCheckpoint {
	/** The model's shape: our GPT's {@link ModelConfig} or a {@link LlamaConfig}. */
	readonly config: ModelConfig | LlamaConfig;
	readonly model: PolicyModel;
	/** The policy's tokenizer and prompt format. */
	readonly codec: PromptCodec;
	/** The restored Adam optimizer, when the checkpoint has one. */
	readonly optimizer: tf.AdamOptimizer | undefined;
	readonly state: Record<string, unknown> | undefined;
	/** The environment recorded with the policy (undefined in older checkpoints). */
	readonly env: CheckpointEnv | undefined;
}

const fail = (path: string, message: string) =>
	Effect.fail(new CheckpointError({ path, message: `${path}: ${message}` }));

const attempt = <A>(path: string, what: string, f: () => A): Effect.Effect<A, CheckpointError> =>
	Effect.try({
		try: f,
		catch: (e) =>
			new CheckpointError({ path, message: `${path}: ${what}: ${e instanceof Error ? e.message : String(e)}` }),
	});

/** Canonical name of each variable of a model, keyed by the tfjs variable name. */
const canonicalNames = (model: PolicyModel): Map<string, string> =>
	new Map([...model.params].map(([canonical, v]) => [v.name, canonical]));

const optimizerTensors = async (
	model: PolicyModel,
	opt: tf.AdamOptimizer,
): Promise<{ tensors: NamedTensor[]; metadata: Record<string, string> }> => {
	const weights = await opt.getWeights();
	const names = canonicalNames(model);
	const [iter, ...moments] = weights;
	const tensors: NamedTensor[] = [];
	const half = moments.length / 2;
	for (let i = 0; i < moments.length; i++) {
		const w = moments[i] as TfNamed;
		const varName = w.name.replace(/\/[mv]$/, "");
		const canonical = names.get(varName);
		if (canonical === undefined) throw new Error(`optimizer state for variable ${varName}, which is not in the model`);
		tensors.push({
			name: `${canonical}.adam_${i < half ? "m" : "v"}`,
			shape: w.tensor.shape,
			data: (await w.tensor.data()) as Float32Array,
		});
	}
	const config = opt.getConfig() as Record<string, number>;
	const iterations = iter !== undefined ? (await iter.tensor.data())[0] : 0;
	iter?.tensor.dispose();
	return {
		tensors,
		metadata: {
			optimizer: "adam",
			iterations: String(iterations),
			learningRate: String(config.learningRate),
			beta1: String(config.beta1),
			beta2: String(config.beta2),
			epsilon: String(config.epsilon),
		},
	};
};

/**
 * Adam's bias corrections use β^(t+1), which training keeps as a running float32 product; tfjs's
 * `setWeights` recomputes it with `pow`, which can differ in the last bit, so a resumed run would
 * drift from the uninterrupted one by rounding. Set the running product instead (float32 products
 * of float32 values are exact in doubles, so `Math.fround` reproduces each step).
 */
const restoreBetaPowers = (opt: tf.AdamOptimizer, beta1: number, beta2: number, iterations: number): void => {
	const running = (beta: number) => {
		const b = Math.fround(beta);
		let acc = b;
		for (let i = 0; i < iterations; i++) acc = Math.fround(acc * b);
		return acc;
	};
	const inner = opt as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
	tf.tidy(() => {
		inner.accBeta1.assign(tf.scalar(running(beta1)));
		inner.accBeta2.assign(tf.scalar(running(beta2)));
	});
};

/**
 * Write a checkpoint directory atomically: every file goes into a temporary sibling directory,
 * which then replaces `dir` by rename, so readers never see a half-written checkpoint.
 */
export const saveCheckpoint = (dir: string, input: CheckpointInput): Effect.Effect<void, CheckpointError> =>
	Effect.gen(function* () {
		const values = yield* Effect.promise(() => input.model.readValues());
		const m = input.model;
		const tensors: NamedTensor[] = [...m.params].map(([name, v]) => ({
			name,
			shape: v.shape,
			data: values.get(name) as Float32Array,
		}));
		const lora = m instanceof LlamaPolicy && m.lora !== undefined ? m : undefined;
		const tok = input.codec.tokenizer;
		if (m instanceof TransformerPolicy && tok.kind !== "stepwise")
			return yield* fail(dir, "our GPT policy is saved with our own tokenizer, not a Hugging Face one");
		const tokenizerFiles: Record<string, string | Uint8Array> = {};
		if (tok.kind === "stepwise")
			tokenizerFiles[CHECKPOINT_FILES.tokenizer] = `${JSON.stringify(tok.tokenizer.toJSON())}\n`;
		else {
			if (!tok.files.has("tokenizer.json"))
				return yield* fail(dir, `the Hugging Face tokenizer loaded from ${tok.dir} holds no tokenizer.json to save`);
			for (const [name, bytes] of tok.files) tokenizerFiles[name] = bytes;
		}
		const frozen =
			m instanceof LlamaPolicy && m.lora !== undefined && m.source === undefined
				? encodeSafetensors(
						llamaParameterShapes(m.config).map(([name, shape]) => ({
							name,
							shape,
							data: m.weight(name).dataSync() as Float32Array,
						})),
					)
				: undefined;
		const optimizer =
			input.optimizer !== undefined
				? yield* Effect.tryPromise({
						try: () => optimizerTensors(input.model, input.optimizer as tf.AdamOptimizer),
						catch: (e) =>
							new CheckpointError({
								path: join(dir, CHECKPOINT_FILES.optimizer),
								message: `${dir}: cannot read the optimizer state: ${String(e)}`,
							}),
					})
				: undefined;
		const tmp = join(dirname(dir), `.${basename(dir)}.${process.pid}.${Date.now()}.tmp`);
		const config: CheckpointConfig =
			m instanceof LlamaPolicy
				? {
						format: "stepwise-policy",
						version: CHECKPOINT_VERSION,
						arch: "llama",
						llama: m.config,
						...(m.lora !== undefined ? { lora: m.lora } : {}),
						...(m.lora !== undefined && m.source !== undefined ? { base: m.source } : {}),
						...(tok.kind === "hf" ? { tokenizer: "hf" as const } : {}),
					}
				: { format: "stepwise-policy", version: CHECKPOINT_VERSION, model: (m as TransformerPolicy).config };
		const recorded: CheckpointConfig = input.env !== undefined ? { ...config, env: input.env } : config;
		const modelMetadata =
			m instanceof LlamaPolicy
				? { format: "stepwise", arch: "llama" }
				: { format: "stepwise", config: JSON.stringify(input.model.config) };
		yield* Effect.try({
			catch: (e) =>
				new CheckpointError({ path: dir, message: `cannot write the checkpoint ${dir}: ${fsErrorText(e)}` }),
			try: () => {
				mkdirSync(tmp, { recursive: true });
				try {
					if (lora !== undefined)
						for (const [name, data] of Object.entries(adapterFiles(lora, lora.source ?? "")))
							writeFileSync(join(tmp, name), data);
					else writeFileSync(join(tmp, CHECKPOINT_FILES.model), encodeSafetensors(tensors, modelMetadata));
					const shared = (name: string) => (input.shareWith !== undefined ? join(input.shareWith, name) : undefined);
					if (frozen !== undefined) writeOrLink(join(tmp, FROZEN_FILE), frozen, shared(FROZEN_FILE));
					if (optimizer !== undefined)
						writeFileSync(
							join(tmp, CHECKPOINT_FILES.optimizer),
							encodeSafetensors(optimizer.tensors, optimizer.metadata),
						);
					for (const [name, data] of Object.entries(tokenizerFiles)) writeOrLink(join(tmp, name), data, shared(name));
					writeFileSync(join(tmp, CHECKPOINT_FILES.config), `${JSON.stringify(recorded, null, 2)}\n`);
					if (input.state !== undefined)
						writeFileSync(join(tmp, CHECKPOINT_FILES.state), `${JSON.stringify(input.state, null, 2)}\n`);
					const old = `${tmp}.old`;
					if (existsSync(dir)) renameSync(dir, old);
					renameSync(tmp, dir);
					rmSync(old, { recursive: true, force: true });
				} catch (error) {
					try {
						rmSync(tmp, { recursive: true, force: true });
					} catch {
						// the write's error is the one to report
					}
					throw error;
				}
			},
		});
	});

const readJson = (path: string): Effect.Effect<unknown, CheckpointError> =>
	Effect.gen(function* () {
		if (!existsSync(path)) return yield* fail(path, "file is missing");
		const text = yield* attempt(path, "cannot read", () => readFileSync(path, "utf8"));
		return yield* attempt(path, "not valid JSON", () => JSON.parse(text) as unknown);
	});

const decodeWith = <S extends Schema.Top>(schema: S, path: string, input: unknown) =>
	Effect.suspend(() => {
		const exit = Schema.decodeUnknownExit(schema as unknown as Schema.Codec<S["Type"], unknown>)(input);
		if (Exit.isSuccess(exit)) return Effect.succeed(exit.value as S["Type"]);
		const err = exit.cause.reasons.find((r) => r._tag === "Fail")?.error as { message?: string } | undefined;
		return fail(path, `unexpected content: ${err?.message ?? String(exit.cause)}`);
	});

/**
 * Load a checkpoint directory: config, tokenizer, weights and (if present) optimizer state and
 * trainer state. Fails with `CheckpointError` naming the file and what is wrong: a missing file,
 * bad JSON, a corrupt safetensors file, a missing/extra/mis-shaped tensor, a tokenizer whose size
 * differs from the config's vocabulary, or a config that differs from `expect`.
 */
export const loadCheckpoint = (
	dir: string,
	options: { readonly expect?: ModelConfig | LlamaConfig } = {},
): Effect.Effect<LoadedCheckpoint, CheckpointError> =>
	Effect.gen(function* () {
		const configPath = join(dir, CHECKPOINT_FILES.config);
		const saved = yield* decodeWith(CheckpointConfig, configPath, yield* readJson(configPath));
		const config = "model" in saved ? saved.model : saved.llama;
		const env = saved.env;
		if ("model" in saved && saved.model.dModel % saved.model.nHeads !== 0)
			return yield* fail(configPath, `nHeads ${saved.model.nHeads} does not divide dModel ${saved.model.dModel}`);
		if (options.expect !== undefined) {
			const want = options.expect as Record<string, unknown>;
			const got = config as Record<string, unknown>;
			const diff = Object.keys(want).filter((k) => JSON.stringify(want[k]) !== JSON.stringify(got[k]));
			if (diff.length > 0)
				return yield* fail(
					configPath,
					`model config mismatch: ${diff.map((k) => `${k} is ${JSON.stringify(got[k])}, expected ${JSON.stringify(want[k])}`).join("; ")}`,
				);
		}
		const tokPath = join(dir, CHECKPOINT_FILES.tokenizer);
		let codec: PromptCodec;
		if ("tokenizer" in saved && saved.tokenizer === "hf") {
			codec = yield* loadHfPromptCodec(dir).pipe(
				Effect.mapError((e) => new CheckpointError({ path: e.file, message: e.message })),
			);
			// a Hugging Face model's embedding may have more rows than its tokenizer has tokens
			if (codec.vocabSize > config.vocabSize)
				return yield* fail(
					tokPath,
					`tokenizer has ${codec.vocabSize} tokens but the model's vocabSize is ${config.vocabSize}`,
				);
		} else {
			const tokJson = yield* decodeWith(TokenizerJson, tokPath, yield* readJson(tokPath));
			const tokenizer = yield* attempt(tokPath, "invalid tokenizer", () => Tokenizer.fromJSON(tokJson));
			if (tokenizer.vocabSize !== config.vocabSize)
				return yield* fail(
					tokPath,
					`tokenizer has ${tokenizer.vocabSize} tokens but the model's vocabSize is ${config.vocabSize}`,
				);
			codec = stepwisePromptCodec(tokenizer);
		}
		const modelPath = join(dir, CHECKPOINT_FILES.model);
		const readModelFile = Effect.gen(function* () {
			if (!existsSync(modelPath)) return yield* fail(modelPath, "file is missing");
			return yield* attempt(modelPath, "corrupt safetensors file", () =>
				decodeSafetensors(new Uint8Array(readFileSync(modelPath))),
			);
		});
		const take = (shapes: ReadonlyArray<readonly [string, number[]]>, from: SafetensorsFile, path: string) =>
			Effect.gen(function* () {
				const values = new Map<string, Float32Array>();
				for (const [name, shape] of shapes) {
					const t = from.tensors.get(name);
					if (t === undefined) return yield* fail(path, `tensor ${name} is missing`);
					if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
						return yield* fail(path, `tensor ${name} has shape [${t.shape.join(",")}], expected [${shape.join(",")}]`);
					values.set(name, t.data);
				}
				const extra = [...from.tensors.keys()].filter((n) => !values.has(n));
				if (extra.length > 0) return yield* fail(path, `unexpected tensors: ${extra.slice(0, 5).join(", ")}`);
				return values;
			});
		let model: PolicyModel;
		if ("model" in saved)
			model = TransformerPolicy.fromValues(
				saved.model,
				yield* take(parameterShapes(saved.model), yield* readModelFile, modelPath),
			);
		else {
			const c = saved.llama;
			const lora = saved.lora;
			const heads = HEAD_SHAPES(c);
			let trained: ReadonlyMap<string, Float32Array>;
			if (lora !== undefined) {
				const adapter = yield* readAdapter(dir, c).pipe(
					Effect.mapError((e) => new CheckpointError({ path: e.path, message: e.message })),
				);
				const adapterPath = join(dir, ADAPTER_FILES.config);
				const a = adapter.spec;
				if (
					a.rank !== lora.rank ||
					a.alpha !== lora.alpha ||
					a.dropout !== lora.dropout ||
					[...a.targets].sort().join() !== [...lora.targets].sort().join()
				)
					return yield* fail(adapterPath, `LoRA settings differ from those in ${CHECKPOINT_FILES.config}`);
				if (adapter.heads === undefined) return yield* fail(join(dir, HF_FILES.heads), "file is missing");
				trained = new Map([...adapter.values, ...adapter.heads]);
			} else trained = yield* take([...llamaParameterShapes(c), ...heads], yield* readModelFile, modelPath);
			let base: ReadonlyMap<string, Float32Array> = trained;
			if (lora !== undefined) {
				if (saved.base !== undefined) {
					base = yield* readHfWeights(saved.base, c).pipe(
						Effect.mapError((e) => new CheckpointError({ path: e.path, message: e.message })),
					);
				} else {
					const frozenPath = join(dir, FROZEN_FILE);
					if (!existsSync(frozenPath)) return yield* fail(frozenPath, "file is missing");
					const ff = yield* attempt(frozenPath, "corrupt safetensors file", () =>
						decodeSafetensors(new Uint8Array(readFileSync(frozenPath))),
					);
					base = yield* take(llamaParameterShapes(c), ff, frozenPath);
				}
			}
			model = yield* attempt(modelPath, "cannot build the model", () =>
				LlamaPolicy.fromWeights(c, { base, heads: trained, ...(lora ? { lora: trained } : {}) }, lora, saved.base),
			);
		}
		const optPath = join(dir, CHECKPOINT_FILES.optimizer);
		let optimizer: tf.AdamOptimizer | undefined;
		if (existsSync(optPath)) {
			optimizer = yield* restoreOptimizer(optPath, model).pipe(
				Effect.tapError(() => Effect.sync(() => model.dispose())),
			);
		}
		const statePath = join(dir, CHECKPOINT_FILES.state);
		const state = existsSync(statePath) ? ((yield* readJson(statePath)) as Record<string, unknown>) : undefined;
		return { config, model, codec, optimizer, state, env };
	});

/**
 * A checkpoint's `config.json` (the model shape and, where recorded, the env it was trained on),
 * read without loading the weights.
 */
export const readCheckpointConfig = (dir: string): Effect.Effect<CheckpointConfig, CheckpointError> =>
	Effect.gen(function* () {
		const configPath = join(dir, CHECKPOINT_FILES.config);
		return yield* decodeWith(CheckpointConfig, configPath, yield* readJson(configPath));
	});

const restoreOptimizer = (path: string, model: PolicyModel): Effect.Effect<tf.AdamOptimizer, CheckpointError> =>
	Effect.gen(function* () {
		const file = yield* attempt(path, "corrupt safetensors file", () =>
			decodeSafetensors(new Uint8Array(readFileSync(path))),
		);
		const md = file.metadata;
		const num = (k: string) => Number(md[k]);
		if (
			md.optimizer !== "adam" ||
			![num("iterations"), num("learningRate"), num("beta1"), num("beta2"), num("epsilon")].every(Number.isFinite)
		)
			return yield* fail(path, `metadata must describe an adam optimizer, got ${JSON.stringify(md)}`);
		const opt = tf.train.adam(num("learningRate"), num("beta1"), num("beta2"), num("epsilon"));
		if (file.tensors.size === 0) return opt;
		const m: TfNamed[] = [];
		const v: TfNamed[] = [];
		for (const [name, variable] of model.params) {
			for (const [kind, list] of [
				["m", m],
				["v", v],
			] as const) {
				const t = file.tensors.get(`${name}.adam_${kind}`);
				if (t === undefined) return yield* fail(path, `tensor ${name}.adam_${kind} is missing`);
				if (t.shape.join(",") !== variable.shape.join(","))
					return yield* fail(
						path,
						`tensor ${name}.adam_${kind} has shape [${t.shape.join(",")}], expected [${variable.shape.join(",")}]`,
					);
				list.push({ name: `${variable.name}/${kind}`, tensor: tf.tensor(t.data, t.shape) });
			}
		}
		const iter = { name: "iter", tensor: tf.scalar(num("iterations"), "int32") };
		yield* Effect.promise(() => opt.setWeights([iter, ...m, ...v]));
		tf.dispose([iter.tensor, ...m.map((x) => x.tensor), ...v.map((x) => x.tensor)]);
		restoreBetaPowers(opt, num("beta1"), num("beta2"), num("iterations"));
		return opt;
	});
