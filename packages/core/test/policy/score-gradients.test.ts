/**
 * Written-out gradients: evaluateTokens / evaluateAt's log-softmax (score.ts) and the model's GELU
 * under a tape (model.ts) give the same values as the plain formulas and gradients matching
 * autodiff through them.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs-core";
import { evaluateAt, evaluateTokens, geluTanh, packSequences, TransformerPolicy } from "../../src/policy/index.ts";
import { useBackend } from "./helpers.ts";

beforeAll(useBackend);

describe("log-softmax with a written-out gradient", () => {
	test("same log-probs and entropy, gradients within 1e-5 of autodiff", () => {
		const config = { vocabSize: 23, contextLength: 12, dModel: 16, nLayers: 1, nHeads: 2, dFF: 32 };
		const model = TransformerPolicy.init(config, 5);
		const { ids } = packSequences(
			[
				[1, 4, 9, 16, 3, 7, 22, 5],
				[2, 8, 11, 3],
			],
			0,
		);
		const [B, T] = ids.shape;
		const temperature = 1.7;
		// the formulation the policy used before, differentiated by tfjs
		const reference = () => {
			const { hidden } = model.forward(ids);
			const h = tf.slice(hidden, [0, 0, 0], [B, T - 1, config.dModel]) as tf.Tensor3D;
			const logits = tf.div(model.logits(h), temperature);
			const logp = tf.sub(logits, tf.logSumExp(logits, -1, true));
			const logProbs = tf.sum(tf.mul(logp, tf.oneHot(tf.slice(ids, [0, 1], [B, T - 1]), config.vocabSize)), -1);
			const entropy = tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1));
			return { logProbs, entropy };
		};
		const loss = (o: { logProbs: tf.Tensor; entropy?: tf.Tensor }) =>
			tf.add(
				tf.mean(tf.mul(o.logProbs, tf.reshape(tf.range(1, 1 + (T - 1) * B), [B, T - 1]))),
				tf.mean(o.entropy as tf.Tensor),
			) as tf.Scalar;
		const ours = tf.variableGrads(
			() => loss(evaluateTokens(model, ids, { temperature, entropy: true })),
			model.variables(),
		);
		const theirs = tf.variableGrads(() => loss(reference()), model.variables());
		expect(ours.value.dataSync()[0]).toBe(theirs.value.dataSync()[0] as number);
		for (const [name, g] of Object.entries(theirs.grads)) {
			const d = tf.tidy(() => tf.max(tf.abs(tf.sub(g, ours.grads[name] as tf.Tensor))).dataSync()[0] as number);
			expect(d).toBeLessThanOrEqual(1e-5);
		}
		// no tape: the same bits as the reference
		const [a, b] = tf.tidy(() => [evaluateTokens(model, ids, { temperature }).logProbs, reference().logProbs]);
		expect(Array.from(a?.dataSync() ?? [])).toEqual(Array.from(b?.dataSync() ?? []));
		// evaluateAt shares the log-softmax: picked log-probs equal evaluateTokens' at those tokens
		const picked = tf.tidy(
			() =>
				evaluateAt(
					model,
					ids,
					[
						[0, 3],
						[1, 2],
					],
					{ temperature },
				).logProbs,
		);
		const all = a?.dataSync() ?? new Float32Array();
		expect(Array.from(picked.dataSync())).toEqual([all[2] as number, all[T - 1 + 1] as number]);
		tf.dispose([
			ours.value,
			theirs.value,
			...Object.values(ours.grads),
			...Object.values(theirs.grads),
			a,
			b,
			picked,
			ids,
		] as tf.Tensor[]);
		model.dispose();
	});

	test("GELU: same values with and without a tape as the plain sigmoid formula, within 1e-6 of the tanh form; gradient within 1e-6 of autodiff", () => {
		const x = tf.tensor1d(Array.from({ length: 401 }, (_, i) => (i - 200) / 25));
		const w = tf.tensor1d(Array.from({ length: 401 }, (_, i) => Math.cos(i)));
		const plain = (t: tf.Tensor) =>
			tf.mul(t, tf.sigmoid(tf.mul(tf.add(t, tf.mul(tf.mul(tf.square(t), t), 0.044715)), 2 * Math.sqrt(2 / Math.PI))));
		const tanhForm = (t: tf.Tensor) =>
			tf.mul(
				tf.mul(t, 0.5),
				tf.add(1, tf.tanh(tf.mul(tf.add(t, tf.mul(tf.pow(t, 3), 0.044715)), Math.sqrt(2 / Math.PI)))),
			);
		const [a, b, c] = tf.tidy(() => [geluTanh(x), plain(x), tanhForm(x)]);
		expect(Array.from(a?.dataSync() ?? [])).toEqual(Array.from(b?.dataSync() ?? []));
		expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a as tf.Tensor, c as tf.Tensor))).dataSync()[0])).toBeLessThan(1e-6);
		c?.dispose();
		const ours = tf.valueAndGrad((t: tf.Tensor) => tf.sum(tf.mul(geluTanh(t), w)))(x);
		const theirs = tf.valueAndGrad((t: tf.Tensor) => tf.sum(tf.mul(plain(t), w)))(x);
		expect(ours.value.dataSync()[0]).toBe(theirs.value.dataSync()[0] as number);
		const d = tf.tidy(() => tf.max(tf.abs(tf.sub(ours.grad, theirs.grad))).dataSync()[0] as number);
		expect(d).toBeLessThanOrEqual(1e-6);
		tf.dispose([x, w, a, b, ours.value, ours.grad, theirs.value, theirs.grad] as tf.Tensor[]);
	});
});
