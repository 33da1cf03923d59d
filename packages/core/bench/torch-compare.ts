/**
 * Stepwise against PyTorch on the same CPU: the same decoder, batch shapes and Adam, timed as
 * tokens/s for training (forward + backward + Adam), a forward pass (no gradient) and sampling
 * (batch 64 with the KV cache), for the 0.14M default model (context 80) and a 4M model (context 256).
 * Every measurement is its own process, interleaved A B A B across rounds (the machine is shared,
 * so only ratios taken side by side mean anything); the figure is the median over rounds.
 *
 *   bun run bench:torch [--rounds 3] [--sizes 0.14M,4M] [--backends wasm,tensorflow] [--threads 1,2]
 *                       [--python python3] [--seconds 1.5]
 *
 * Stepwise runs on each backend that loads (wasm: one thread; tensorflow: the native backend of
 * `npm run setup:native`, run with TF_NUM_INTRAOP_THREADS set to each thread count). PyTorch runs
 * `bench/torch_peer.py` in eager mode with `torch.set_num_threads(n)`; it is skipped, with a message,
 * where `import torch` fails (e.g. `python3 -m venv v && v/bin/pip install torch`, then
 * `--python v/bin/python`). Each backend is compared with PyTorch at the same thread count.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { formatBackendSelection, initBackend } from "../src/backend/index.ts";
import { generate } from "../src/policy/generate.ts";
import { TransformerPolicy } from "../src/policy/model.ts";
import { evaluateTokens } from "../src/policy/score.ts";
import { Rng } from "../src/util/rng.ts";

interface Shape {
	readonly vocab: number;
	readonly ctx: number;
	readonly d: number;
	readonly layers: number;
	readonly heads: number;
	readonly ff: number;
	readonly trainBatch: number;
	readonly trainLen: number;
	readonly fwdBatch: number;
	readonly fwdLen: number;
	readonly sampleBatch: number;
	readonly prompt: number;
	readonly newTokens: number;
}

/** The two sizes of the compute issue: the default policy and a 4M model at context 256. */
export const SHAPES: Readonly<Record<string, Shape>> = {
	"0.14M": {
		vocab: 256,
		ctx: 80,
		d: 64,
		layers: 2,
		heads: 4,
		ff: 256,
		trainBatch: 32,
		trainLen: 80,
		fwdBatch: 64,
		fwdLen: 80,
		sampleBatch: 64,
		prompt: 60,
		newTokens: 16,
	},
	"4M": {
		vocab: 512,
		ctx: 256,
		d: 256,
		layers: 5,
		heads: 8,
		ff: 1024,
		// 8 × 256: at 16 × 256 tfjs-backend-wasm 4.22 fails ("Out of bounds memory access") in the backward pass
		trainBatch: 8,
		trainLen: 256,
		fwdBatch: 16,
		fwdLen: 256,
		sampleBatch: 64,
		prompt: 192,
		newTokens: 32,
	},
};

export interface Rates {
	readonly train: number;
	readonly forward: number;
	readonly sample: number;
}

const here = fileURLToPath(new URL(".", import.meta.url));

/** One Stepwise measurement, in this (child) process. */
const measureStepwise = async (shape: Shape, backend: string, seconds: number): Promise<Rates & { note: string }> => {
	const selection = await initBackend(backend);
	const model = TransformerPolicy.init(
		{
			vocabSize: shape.vocab,
			contextLength: shape.ctx,
			dModel: shape.d,
			nLayers: shape.layers,
			nHeads: shape.heads,
			dFF: shape.ff,
		},
		0,
	);
	const rng = new Rng(1);
	const ids = (b: number, t: number) =>
		tf.tensor2d(
			Int32Array.from({ length: b * t }, () => rng.int(shape.vocab)),
			[b, t],
			"int32",
		);
	const trainIds = ids(shape.trainBatch, shape.trainLen);
	const fwdIds = ids(shape.fwdBatch, shape.fwdLen);
	const prompts = Array.from({ length: shape.sampleBatch }, () =>
		Array.from({ length: shape.prompt }, () => rng.int(shape.vocab)),
	);
	const optimizer = tf.train.adam(1e-4);
	const vars = model.variables();
	const gc = () => (globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc(true);
	const train = () => {
		const loss = optimizer.minimize(
			() => tf.neg(tf.mean(evaluateTokens(model, trainIds).logProbs)) as tf.Scalar,
			true,
			vars,
		);
		loss?.dataSync();
		loss?.dispose();
	};
	const forward = () => {
		const out = tf.tidy(() => model.logits(model.forward(fwdIds).hidden));
		out.dataSync();
		out.dispose();
	};
	const sampleRng = new Rng(2);
	const sample = () => {
		generate(model, prompts, { maxNewTokens: shape.newTokens, stopToken: -1, padToken: 0, rng: sampleRng });
	};
	const timed = (fn: () => void, tokens: number): number => {
		fn();
		fn();
		const rates: number[] = [];
		for (let r = 0; r < 3; r++) {
			let n = 0;
			const t0 = performance.now();
			let dt = 0;
			do {
				fn();
				n++;
				dt = (performance.now() - t0) / 1000;
			} while (dt < seconds);
			rates.push((tokens * n) / dt);
			gc();
		}
		return median(rates);
	};
	const rates = {
		train: timed(train, shape.trainBatch * shape.trainLen),
		forward: timed(forward, shape.fwdBatch * shape.fwdLen),
		sample: timed(sample, shape.sampleBatch * shape.newTokens),
	};
	return { ...rates, note: formatBackendSelection(selection).split("\n")[0] ?? "" };
};

const median = (xs: ReadonlyArray<number>): number => {
	const s = [...xs].sort((a, b) => a - b);
	const m = s.length >> 1;
	return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Runs one measurement in a child process; undefined (with the reason printed once) when it cannot run. */
const child = (cmd: string, args: ReadonlyArray<string>, env: Record<string, string>): Rates | string => {
	const r = spawnSync(cmd, args, {
		encoding: "utf8",
		env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "3", ...env },
		timeout: 600_000,
	});
	if (r.error !== undefined) return r.error.message;
	const line = r.stdout.trim().split("\n").pop() ?? "";
	try {
		const parsed = JSON.parse(line) as Rates;
		if (r.status === 0 && Number.isFinite(parsed.train)) return parsed;
	} catch {}
	return (r.stderr.trim().split("\n").pop() ?? `exit ${r.status}`).slice(0, 300);
};

const { values: a } = parseArgs({
	options: {
		rounds: { type: "string", default: "3" },
		sizes: { type: "string", default: "0.14M,4M" },
		backends: { type: "string", default: "wasm,tensorflow" },
		threads: { type: "string", default: "1,2" },
		python: { type: "string", default: process.env.STEPWISE_PYTHON ?? "python3" },
		seconds: { type: "string", default: "1.5" },
		child: { type: "string" },
		size: { type: "string" },
	},
});

if (a.child !== undefined) {
	const shape = SHAPES[a.size ?? ""];
	if (shape === undefined) throw new Error(`unknown size ${a.size}`);
	console.log(JSON.stringify(await measureStepwise(shape, a.child, Number(a.seconds))));
	process.exit(0);
}

const sizes = (a.sizes ?? "").split(",").filter((s) => s in SHAPES);
const threads = (a.threads ?? "").split(",").map(Number);
const python = a.python ?? "python3";
const torchCheck = spawnSync(python, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
const torchVersion = torchCheck.status === 0 ? torchCheck.stdout.trim() : undefined;
if (torchVersion === undefined)
	console.log(
		`PyTorch: skipped (\`${python} -c "import torch"\` failed; install torch in a venv and pass --python VENV/bin/python)`,
	);
/** A contender: Stepwise on a backend at a thread count, or PyTorch at a thread count. */
interface Contender {
	readonly label: string;
	readonly threads: number;
	readonly run: (size: string) => Rates | string;
}
const contenders: Contender[] = [];
for (const backend of (a.backends ?? "").split(",")) {
	const counts = backend === "wasm" ? [1] : threads;
	for (const n of counts)
		contenders.push({
			label: `stepwise ${backend} ×${n}`,
			threads: n,
			run: (size) =>
				child(
					process.execPath,
					[fileURLToPath(import.meta.url), "--child", backend, "--size", size, "--seconds", String(a.seconds)],
					{ TF_NUM_INTRAOP_THREADS: String(n), TF_NUM_INTEROP_THREADS: "1" },
				),
		});
}
if (torchVersion !== undefined)
	for (const n of threads)
		contenders.push({
			label: `torch ${torchVersion} ×${n}`,
			threads: n,
			run: (size) =>
				child(
					python,
					[`${here}torch_peer.py`, JSON.stringify({ ...SHAPES[size], threads: n, minSeconds: Number(a.seconds) })],
					{},
				),
		});

const results = new Map<string, Rates[]>();
const failed = new Map<string, string>();
const rounds = Number(a.rounds);
for (let round = 1; round <= rounds; round++)
	for (const size of sizes)
		for (const c of contenders) {
			const key = `${size}|${c.label}`;
			if (failed.has(key)) continue;
			const r = c.run(size);
			if (typeof r === "string") {
				failed.set(key, r);
				console.log(`${size} ${c.label}: skipped (${r})`);
				continue;
			}
			results.set(key, [...(results.get(key) ?? []), r]);
			console.log(
				`round ${round} ${size} ${c.label}: train ${r.train.toFixed(0)} fwd ${r.forward.toFixed(0)} sample ${r.sample.toFixed(0)} tok/s`,
			);
		}

const medianOf = (key: string, k: keyof Rates): number | undefined => {
	const rs = results.get(key);
	return rs === undefined ? undefined : median(rs.map((r) => r[k]));
};
const fmt = (x: number | undefined, digits = 0) => (x === undefined ? "–" : x.toFixed(digits));
console.log(`\nmedians of ${rounds} interleaved rounds (tokens/s), and the ratio to PyTorch at the same thread count:`);
console.log("| size | contender | train | forward | sample | train / torch | forward / torch | sample / torch |");
console.log("|---|---|---|---|---|---|---|---|");
for (const size of sizes)
	for (const c of contenders) {
		const key = `${size}|${c.label}`;
		if (!results.has(key)) continue;
		const peer = contenders.find((p) => p.label.startsWith("torch") && p.threads === c.threads);
		const ratio = (k: keyof Rates) => {
			if (peer === undefined || c.label.startsWith("torch")) return "";
			const ours = medianOf(key, k);
			const theirs = medianOf(`${size}|${peer.label}`, k);
			return ours !== undefined && theirs !== undefined ? `${(ours / theirs).toFixed(2)}×` : "";
		};
		console.log(
			`| ${size} | ${c.label} | ${fmt(medianOf(key, "train"))} | ${fmt(medianOf(key, "forward"))} | ${fmt(medianOf(key, "sample"))} | ${ratio("train")} | ${ratio("forward")} | ${ratio("sample")} |`,
		);
	}
