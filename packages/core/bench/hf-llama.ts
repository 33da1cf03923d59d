/**
 * A Llama-family model of Qwen2.5-0.5B's shape (random weights built from its config; no download),
 * Stepwise beside PyTorch + transformers at the same thread count: prefill tokens/s (one prompt),
 * decode tokens/s (batch 1, KV cache, greedy) and one LoRA training step (rank 16 on q/k/v/o, a
 * batch of one sequence, forward + backward + Adam on the adapters). Each side runs in its own
 * process, one after the other.
 *
 *   node scripts/setup-native.mjs        # the native backend (wasm also works, much slower)
 *   nice bun packages/core/bench/hf-llama.ts [--backend tensorflow] [--threads 2] [--prompt 128]
 *        [--decode 16] [--python /tmp/hf-venv/bin/python] [--layers 24] [--repeat 3] [--rounds 2]
 *
 * Every figure is the median of `--repeat` timed calls after a warm-up; the two sides alternate
 * `--rounds` times (Stepwise, PyTorch, Stepwise, …) so that a change of the machine's load shows as
 * a spread between rounds, and the ratio printed is the median over rounds. `--layers` cuts the
 * depth for a quick look; the figures in docs/performance.md use the full 24.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
	options: {
		backend: { type: "string", default: "tensorflow" },
		threads: { type: "string", default: "2" },
		prompt: { type: "string", default: "128" },
		decode: { type: "string", default: "16" },
		layers: { type: "string", default: "24" },
		repeat: { type: "string", default: "3" },
		rounds: { type: "string", default: "2" },
		python: { type: "string", default: "python3" },
		side: { type: "string" },
	},
});

/** Qwen2.5-0.5B's config.json (the shape only). */
export const QWEN25_05B = {
	architectures: ["Qwen2ForCausalLM"],
	vocab_size: 151936,
	hidden_size: 896,
	intermediate_size: 4864,
	num_hidden_layers: 24,
	num_attention_heads: 14,
	num_key_value_heads: 2,
	max_position_embeddings: 32768,
	rms_norm_eps: 1e-6,
	rope_theta: 1000000,
	tie_word_embeddings: true,
	hidden_act: "silu",
	use_sliding_window: false,
} as const;

const stepwiseSide = async () => {
	const tf = await import("@tensorflow/tfjs-core");
	const { initBackend, formatBackendSelection } = await import("../src/backend/index.ts");
	const { fromHfConfig } = await import("../src/hf/config.ts");
	const { LlamaPolicy } = await import("../src/hf/llama.ts");
	const { generate } = await import("../src/policy/generate.ts");
	const { evaluateAt } = await import("../src/policy/score.ts");
	console.error(formatBackendSelection(await initBackend(args.backend)));
	const config = {
		...fromHfConfig({
			...QWEN25_05B,
			architectures: [...QWEN25_05B.architectures],
			num_hidden_layers: Number(args.layers),
		}),
		initStd: 0.02,
	};
	const T = Number(args.prompt);
	const N = Number(args.decode);
	const ids = Array.from({ length: T }, (_, i) => (i * 7919) % config.vocabSize);
	const t0 = performance.now();
	const model = LlamaPolicy.init(config, 0, {
		rank: 16,
		alpha: 32,
		dropout: 0,
		targets: ["q_proj", "k_proj", "v_proj", "o_proj"],
	});
	const buildS = (performance.now() - t0) / 1000;
	const prefill = () =>
		tf.tidy(() => {
			const x = tf.tensor2d(Int32Array.from(ids), [1, T], "int32");
			const { hidden } = model.forward(x);
			return model.logits(tf.slice(hidden, [0, T - 1, 0], [1, 1, config.dModel]) as typeof hidden).dataSync();
		});
	/** Median wall seconds of `--repeat` calls of `f`. */
	const medianS = (f: () => void): number => {
		const times = Array.from({ length: Number(args.repeat) }, () => {
			const s = performance.now();
			f();
			return (performance.now() - s) / 1000;
		}).sort((a, b) => a - b);
		return times[Math.floor(times.length / 2)] ?? Number.NaN;
	};
	prefill(); // warm-up
	const prefillS = medianS(prefill);
	generate(model, [ids.slice(0, 8)], { maxNewTokens: 2, stopToken: -1, padToken: 0, greedy: true });
	// decoding: the generation of N tokens after the first less the same call that stops at the first (its prefill)
	const genS = (newTokens: number) =>
		medianS(() => generate(model, [ids], { maxNewTokens: newTokens, stopToken: -1, padToken: 0, greedy: true }));
	const decodeS = Math.max(1e-9, genS(N + 1) - genS(1));
	const opt = tf.train.adam(1e-4);
	const picks = Array.from({ length: T - 1 }, (_, t) => [0, t + 1] as const);
	const step = () => {
		const x = tf.tensor2d(Int32Array.from(ids), [1, T], "int32");
		opt.minimize(
			() => tf.neg(tf.mean(evaluateAt(model, x, picks).logProbs)) as ReturnType<typeof tf.scalar>,
			false,
			model.variables(),
		);
		x.dispose();
	};
	step();
	const trainS = medianS(step);
	console.log(
		JSON.stringify({
			side: "stepwise",
			backend: tf.getBackend(),
			params: model.parameterCount,
			buildS,
			prefillTokS: T / prefillS,
			decodeTokS: N / decodeS,
			loraStepS: trainS,
		}),
	);
};

const run = (cmd: string, argv: string[], env: Record<string, string>) => {
	const r = spawnSync(cmd, argv, { encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
	if (r.status !== 0) {
		console.error(`${cmd} failed: ${r.stderr.slice(-2000)}`);
		return undefined;
	}
	const line = r.stdout.trim().split("\n").pop() ?? "";
	return JSON.parse(line) as Record<string, number | string>;
};

if (args.side === "stepwise") await stepwiseSide();
else {
	const threads = args.threads;
	const common = ["--prompt", args.prompt, "--decode", args.decode, "--layers", args.layers, "--repeat", args.repeat];
	const median = (xs: number[]): number => {
		const s = [...xs].sort((a, b) => a - b);
		const m = Math.floor(s.length / 2);
		return s.length % 2 === 1 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
	};
	const ratios: Array<{ prefill: number; decode: number; lora: number }> = [];
	for (let round = 1; round <= Number(args.rounds); round++) {
		const mine = run(
			"bun",
			[fileURLToPath(import.meta.url), "--side", "stepwise", "--backend", args.backend, ...common],
			{ TF_NUM_INTRAOP_THREADS: threads, TF_NUM_INTEROP_THREADS: "1" },
		);
		const torch = run(
			args.python,
			[fileURLToPath(new URL("./torch_hf_peer.py", import.meta.url)), "--threads", threads, ...common],
			{},
		);
		console.log(JSON.stringify({ round, threads: Number(threads), stepwise: mine, torch }));
		if (mine === undefined || torch === undefined) continue;
		const r = {
			prefill: (mine.prefillTokS as number) / (torch.prefillTokS as number),
			decode: (mine.decodeTokS as number) / (torch.decodeTokS as number),
			lora: (torch.loraStepS as number) / (mine.loraStepS as number),
		};
		ratios.push(r);
		console.log(
			`round ${round}: stepwise/torch (higher is better for Stepwise): prefill ${r.prefill.toFixed(2)}×, decode ${r.decode.toFixed(2)}×, LoRA step ${r.lora.toFixed(2)}×`,
		);
	}
	if (ratios.length > 0)
		console.log(
			`median over ${ratios.length} round(s): prefill ${median(ratios.map((r) => r.prefill)).toFixed(2)}×, decode ${median(ratios.map((r) => r.decode)).toFixed(2)}×, LoRA step ${median(ratios.map((r) => r.lora)).toFixed(2)}×`,
		);
}
