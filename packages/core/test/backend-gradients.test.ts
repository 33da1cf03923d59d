/**
 * Values and gradients of the ops a transformer needs: wasm (patched) against the cpu reference.
 * All tests share one tfjs engine with the rest of the package's tests, so the backend is set in
 * beforeAll and the previous one restored in afterAll.
 */
import { describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../src/backend/index.ts";
import { useBackends } from "./fixtures/backends.ts";

/** Max allowed |wasm − cpu|, scaled by max(1, |cpu|) for large magnitudes. */
const TOLERANCE = 1e-4;

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
const random = (seed: number) => () => {
	seed = (seed + 0x6d2b79f5) | 0;
	let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
	t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
	return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/** An input: shape and values in [lo, hi). */
interface Input {
	readonly shape: number[];
	readonly values: Float32Array;
}

const uniform = (shape: number[], seed: number, lo = -1, hi = 1): Input => {
	const next = random(seed);
	const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
	for (let i = 0; i < values.length; i++) values[i] = lo + (hi - lo) * next();
	return { shape, values };
};

/** Output, then the gradient of Σ(output·W) (W fixed random) for each input, as flat arrays. */
type Results = ReadonlyArray<Float32Array | Int32Array | Uint8Array>;

const evaluate = async (
	backend: "cpu" | "wasm",
	f: (...xs: tf.Tensor[]) => tf.Tensor,
	inputs: ReadonlyArray<Input>,
): Promise<Results> => {
	await initBackend(backend);
	const before = tf.memory().numTensors;
	const xs = inputs.map((input) => tf.tensor(input.values, input.shape));
	// Return tensors from tidy and read them outside: tidy walks returned TypedArrays very slowly.
	const outputs = tf.tidy(() => {
		const y = f(...xs);
		const weights = tf.tensor(uniform(y.shape, 99).values, y.shape);
		const { grads } = tf.valueAndGrads((...args: tf.Tensor[]) => tf.sum(tf.mul(f(...args), weights)))(xs);
		return [y, ...grads];
	});
	const results = outputs.map((t) => t.dataSync());
	tf.dispose([...outputs, ...xs]);
	expect(tf.memory().numTensors).toBe(before);
	return results;
};

const maxScaledDiff = (actual: ArrayLike<number>, expected: ArrayLike<number>): number => {
	expect(actual.length).toBe(expected.length);
	let worst = 0;
	for (let i = 0; i < expected.length; i++) {
		const a = actual[i] ?? Number.NaN;
		const e = expected[i] ?? Number.NaN;
		const diff = Math.abs(a - e) / Math.max(1, Math.abs(e));
		worst = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : Math.max(worst, diff);
	}
	return worst;
};

/** Runs `f` on cpu and on wasm and checks the output and every input gradient agree. */
const expectWasmMatchesCpu = async (f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: ReadonlyArray<Input>) => {
	const reference = await evaluate("cpu", f, inputs);
	const actual = await evaluate("wasm", f, inputs);
	expect(actual.length).toBe(inputs.length + 1);
	const tooFar = reference
		.map((expected, i) => [i === 0 ? "output" : `gradient ${i - 1}`, maxScaledDiff(actual[i] ?? [], expected)] as const)
		.filter(([, diff]) => !(diff <= TOLERANCE));
	expect(tooFar).toEqual([]);
	// Every gradient must be non-trivial, or the comparison proves nothing.
	for (const gradient of reference.slice(1)) expect(gradient.some((v) => v !== 0)).toBe(true);
};

const int32 = (values: number[]) => tf.tensor1d(values, "int32");

const gelu = (x: tf.Tensor) =>
	tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))));

const layerNorm = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => {
	const { mean, variance } = tf.moments(x, -1, true);
	return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
};

/** Causal mask [T, T]: 1 on and below the diagonal. Built from a constant, never from a differentiated tensor. */
const causal = (t: number) => tf.linalg.bandPart(tf.ones([t, t]), -1, 0);

useBackends("wasm", "cpu");

describe("wasm (patched) matches cpu: value and gradients", () => {
	test("matMul 2D", () => expectWasmMatchesCpu((a, b) => tf.matMul(a, b), [uniform([5, 7], 1), uniform([7, 3], 2)]));
	test("matMul 2D transposeA", () =>
		expectWasmMatchesCpu((a, b) => tf.matMul(a, b, true, false), [uniform([7, 5], 3), uniform([7, 3], 4)]));
	test("matMul 2D transposeB", () =>
		expectWasmMatchesCpu((a, b) => tf.matMul(a, b, false, true), [uniform([5, 7], 5), uniform([3, 7], 6)]));
	test("matMul 2D transposeA and transposeB", () =>
		expectWasmMatchesCpu((a, b) => tf.matMul(a, b, true, true), [uniform([7, 5], 7), uniform([3, 7], 8)]));
	test("batched 4D matMul, plain and q·kᵀ", () =>
		expectWasmMatchesCpu(
			(q, k, v) => tf.matMul(tf.matMul(q, k, false, true), v),
			[uniform([2, 3, 4, 5], 9), uniform([2, 3, 4, 5], 10), uniform([2, 3, 4, 6], 11)],
		));
	test("gather axis 0 (embedding, repeated ids)", () =>
		expectWasmMatchesCpu((table) => tf.gather(table, int32([3, 0, 3, 9, 1, 3, 7]), 0), [uniform([10, 6], 12)]));
	test("gather axis 1", () =>
		expectWasmMatchesCpu((x) => tf.gather(x, int32([8, 2, 2, 0, 5]), 1), [uniform([4, 9, 3], 13)]));
	test("softmax and logSoftmax", () =>
		expectWasmMatchesCpu((x) => tf.concat([tf.softmax(x), tf.logSoftmax(tf.mul(x, 3))], 1), [uniform([3, 8], 14)]));
	test("layer norm via moments", () =>
		expectWasmMatchesCpu(layerNorm as (...xs: tf.Tensor[]) => tf.Tensor, [
			uniform([4, 6], 15, -2, 3),
			uniform([6], 16),
			uniform([6], 17),
		]));
	test("GELU (tanh form)", () => expectWasmMatchesCpu((x) => gelu(x), [uniform([5, 9], 18, -3, 3)]));
	test("sparse cross-entropy via gather on logSoftmax", () =>
		expectWasmMatchesCpu(
			(logits) => {
				const [rows, vocab] = logits.shape as [number, number];
				const labels = [4, 0, 9, 4, 2, 7];
				const flat = tf.reshape(tf.logSoftmax(logits), [-1]);
				const picked = tf.gather(flat, int32(labels.map((label, row) => row * vocab + label)));
				expect(rows).toBe(labels.length);
				return tf.neg(tf.mean(picked));
			},
			[uniform([6, 10], 19, -2, 2)],
		));
	test("sum and mean over axes", () =>
		expectWasmMatchesCpu(
			(x) => tf.concat([tf.sum(x, 1), tf.mean(x, 0), tf.reshape(tf.sum(x), [1]), tf.reshape(tf.mean(x), [1])], 0),
			[uniform([3, 4], 20)],
		));
	test("concat, split and slice", () =>
		expectWasmMatchesCpu(
			(a, b) => {
				const [left, right] = tf.split(tf.concat([a, b], 1), [2, 5], 1) as [tf.Tensor, tf.Tensor];
				return tf.concat(
					[
						tf.mul(right, 2),
						tf.pad(tf.slice(left, [1, 0], [2, 2]), [
							[0, 1],
							[0, 3],
						]),
					],
					0,
				);
			},
			[uniform([3, 3], 21), uniform([3, 4], 22)],
		));
	test("bandPart causal mask on scores, then softmax", () =>
		expectWasmMatchesCpu(
			(scores) => {
				const mask = causal(5);
				return tf.softmax(tf.add(tf.mul(scores, mask), tf.mul(tf.sub(1, mask), -1e9)));
			},
			[uniform([2, 5, 5], 23)],
		));
	// A batch of 2: with a single [T, T] matrix tfjs-core's Unpack gradient gets a lone Tensor and
	// throws in `stack` on every backend (a tfjs-core 4.22 bug).
	test("bandPart applied to the differentiated tensor", () =>
		expectWasmMatchesCpu((x) => tf.linalg.bandPart(x, -1, 0), [uniform([2, 5, 5], 24)]));
	test("where with a constant mask", () =>
		expectWasmMatchesCpu((x) => tf.where(tf.greater(causal(4), 0), x, tf.fill([4, 4], -1e4)), [uniform([4, 4], 25)]));
	test("exp, log, sqrt, rsqrt", () =>
		expectWasmMatchesCpu(
			(x) => tf.concat([tf.exp(x), tf.log(x), tf.sqrt(x), tf.rsqrt(x)], 0),
			[uniform([3, 5], 26, 0.2, 2)],
		));
	test("a tiny transformer block with tf.variableGrads", async () => {
		const run = async (backend: "cpu" | "wasm") => {
			await initBackend(backend);
			const before = tf.memory().numTensors;
			const [vocab, dim, tokens] = [11, 8, 6];
			const names = ["embed", "q", "k", "v", "w1", "w2", "gamma", "beta"] as const;
			const shapes: Record<(typeof names)[number], number[]> = {
				embed: [vocab, dim],
				q: [dim, dim],
				k: [dim, dim],
				v: [dim, dim],
				w1: [dim, 2 * dim],
				w2: [2 * dim, dim],
				gamma: [dim],
				beta: [dim],
			};
			const vars = tf.tidy(() =>
				Object.fromEntries(
					names.map((name, i) => {
						const init = tf.tensor(uniform(shapes[name], 40 + i).values, shapes[name]);
						return [name, tf.variable(init, true, `${backend}-${name}`)];
					}),
				),
			) as Record<(typeof names)[number], tf.Variable>;
			const ids = [1, 5, 5, 0, 10, 3];
			const targets = [5, 5, 0, 10, 3, 2];
			const loss = () =>
				tf.tidy(() => {
					const x = tf.gather(vars.embed, int32(ids));
					const h = layerNorm(x, vars.gamma, vars.beta);
					const scores = tf.div(tf.matMul(tf.matMul(h, vars.q), tf.matMul(h, vars.k), false, true), Math.sqrt(dim));
					const mask = causal(tokens);
					const attention = tf.softmax(tf.where(tf.greater(mask, 0), scores, tf.fill([tokens, tokens], -1e9)));
					const y = tf.add(x, tf.matMul(attention, tf.matMul(h, vars.v)));
					const out = tf.add(y, tf.matMul(gelu(tf.matMul(y, vars.w1)), vars.w2));
					const logits = tf.matMul(out, vars.embed, false, true);
					const flat = tf.reshape(tf.logSoftmax(logits), [-1]);
					return tf.neg(tf.mean(tf.gather(flat, int32(targets.map((t, i) => i * vocab + t))))) as tf.Scalar;
				});
			const { value, grads } = tf.variableGrads(loss, Object.values(vars));
			const result = [
				value.dataSync(),
				...names.map((name) => grads[`${backend}-${name}`]?.dataSync() ?? new Float32Array()),
			];
			tf.dispose([value, ...Object.values(grads), ...Object.values(vars)]);
			expect(tf.memory().numTensors).toBe(before);
			return result;
		};
		const reference = await run("cpu");
		const actual = await run("wasm");
		reference.forEach((expected, i) => {
			expect(expected.length).toBeGreaterThan(0);
			expect(maxScaledDiff(actual[i] ?? [], expected)).toBeLessThanOrEqual(TOLERANCE);
		});
	});
});
