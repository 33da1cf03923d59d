import { beforeAll, describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs-core";
import { Effect, Exit } from "effect";
import {
	decodeModelConfig,
	evaluateAt,
	evaluateTokens,
	generate,
	type ModelConfig,
	packSequences,
	parameterCount,
	scoreSequences,
	TransformerPolicy,
} from "../../src/policy/index.ts";
import { truncationMetrics } from "../../src/train/metrics.ts";
import { Rng } from "../../src/util/rng.ts";
import { useBackend } from "./helpers.ts";

const cfg: ModelConfig = { vocabSize: 40, contextLength: 24, dModel: 32, nLayers: 2, nHeads: 4, dFF: 64 };
const base = { maxNewTokens: 6, stopToken: 6, padToken: 0, greedy: true } as const;
const prompts = [
	[1, 10, 11, 12],
	[1, 13],
	[1, 14, 15, 16, 17, 18, 19],
];

beforeAll(useBackend);

describe("model", () => {
	test("parameter counts: the config formula matches the variables; 0.5M to 20M configs", () => {
		const m = TransformerPolicy.init(cfg, 0);
		expect(m.parameterCount).toBe(parameterCount(cfg));
		m.dispose();
		const small = parameterCount({ vocabSize: 512, contextLength: 64, dModel: 128, nLayers: 2, nHeads: 4, dFF: 512 });
		const large = parameterCount({
			vocabSize: 1024,
			contextLength: 256,
			dModel: 512,
			nLayers: 6,
			nHeads: 8,
			dFF: 2048,
		});
		expect(small).toBeGreaterThan(450_000);
		expect(small).toBeLessThan(700_000);
		expect(large).toBeGreaterThan(18_000_000);
		expect(large).toBeLessThan(22_000_000);
	});

	test("config decoding names the bad field", () => {
		const partial = Effect.runSyncExit(decodeModelConfig({ ...cfg, newlineToken: 3 }));
		expect(Exit.isFailure(partial) && JSON.stringify(partial.cause)).toContain("maxLines");
		const bad = Effect.runSyncExit(decodeModelConfig({ ...cfg, nHeads: 5 }));
		expect(Exit.isFailure(bad) && JSON.stringify(bad.cause)).toContain("nHeads");
		const neg = Effect.runSyncExit(decodeModelConfig({ ...cfg, dModel: -1 }));
		expect(Exit.isFailure(neg) && JSON.stringify(neg.cause)).toContain("dModel");
		expect(Effect.runSync(decodeModelConfig(cfg))).toEqual(cfg);
	});

	test("initial weights are a pure function of the seed", async () => {
		const a = TransformerPolicy.init(cfg, 3);
		const b = TransformerPolicy.init(cfg, 3);
		const c = TransformerPolicy.init(cfg, 4);
		const [va, vb, vc] = await Promise.all([a.readValues(), b.readValues(), c.readValues()]);
		expect(Array.from(va.get("blocks.1.mlp.fc.weight") ?? [])).toEqual(
			Array.from(vb.get("blocks.1.mlp.fc.weight") ?? []),
		);
		expect(Array.from(va.get("tok_emb") ?? [])).not.toEqual(Array.from(vc.get("tok_emb") ?? []));
		for (const m of [a, b, c]) m.dispose();
	});

	test("copy: the same values in variables of its own (training the original leaves the copy as it was)", () => {
		const a = TransformerPolicy.init(cfg, 5);
		const b = a.copy();
		const values = (m: TransformerPolicy) => m.variables().map((v) => Array.from(v.dataSync()));
		const before = values(a);
		expect(values(b)).toEqual(before);
		tf.tidy(() => {
			for (const v of a.variables()) v.assign(tf.add(v, 1));
		});
		expect(values(b)).toEqual(before);
		expect(values(a)).not.toEqual(before);
		for (const m of [a, b]) m.dispose();
	});

	test("attention is causal: later tokens do not change earlier log-probs, values or progress", () => {
		const m = TransformerPolicy.init(cfg, 1);
		const [x, y] = scoreSequences(m, [
			[1, 5, 9, 12, 30, 31],
			[1, 5, 9, 12, 2, 3],
		]);
		for (let t = 0; t < 3; t++) expect(x?.logProbs[t]).toBeCloseTo(y?.logProbs[t] as number, 5);
		expect(x?.logProbs[4]).not.toBeCloseTo(y?.logProbs[4] as number, 5);
		expect(x?.values.length).toBe(6);
		expect(x?.progress.length).toBe(6);
		m.dispose();
	});

	test.each([
		["plain", cfg],
		["line/column embeddings", { ...cfg, newlineToken: 12, maxLines: 4, maxColumns: 5 }],
	] as const)("generation (%s): KV cache, no cache, one row at a time and scoring all agree", (_, config) => {
		const m = TransformerPolicy.init(config, 1);
		expect(m.parameterCount).toBe(parameterCount(config));
		const cached = generate(m, prompts, base);
		const uncached = generate(m, prompts, { ...base, useCache: false });
		expect(uncached.map((g) => g.tokens)).toEqual(cached.map((g) => g.tokens));
		prompts.forEach((p, i) => {
			const single = generate(m, [p], base)[0];
			expect(single?.tokens).toEqual(cached[i]?.tokens as number[]);
			single?.logProbs.forEach((lp, j) => {
				expect(lp).toBeCloseTo(cached[i]?.logProbs[j] as number, 4);
			});
		});
		const scores = scoreSequences(
			m,
			prompts.map((p, i) => [...p, ...(cached[i]?.tokens ?? [])]),
		);
		prompts.forEach((p, i) => {
			cached[i]?.logProbs.forEach((lp, j) => {
				expect(scores[i]?.logProbs[p.length - 1 + j]).toBeCloseTo(lp, 4);
			});
		});
		m.dispose();
	});

	test("sampling: seeded, top-p → 0 equals greedy, stops at the stop token, respects the context", () => {
		const m = TransformerPolicy.init(cfg, 2);
		const s1 = generate(m, prompts, { ...base, greedy: false, rng: new Rng(5), temperature: 1.5 });
		const s2 = generate(m, prompts, { ...base, greedy: false, rng: new Rng(5), temperature: 1.5 });
		expect(s1).toEqual(s2);
		const nucleus = generate(m, prompts, { ...base, greedy: false, rng: new Rng(5), topP: 1e-6 });
		expect(nucleus.map((g) => g.tokens)).toEqual(generate(m, prompts, base).map((g) => g.tokens));
		for (const g of generate(m, prompts, {
			...base,
			greedy: false,
			rng: new Rng(1),
			temperature: 3,
			maxNewTokens: 20,
		})) {
			const stop = g.tokens.indexOf(6);
			expect(g.stopped).toBe(stop >= 0);
			if (stop >= 0) expect(stop).toBe(g.tokens.length - 1);
		}
		const long = Array.from({ length: 40 }, (_, i) => 7 + (i % 30));
		const g = generate(m, [long], { ...base, maxNewTokens: 4, banned: [6] })[0];
		expect(g?.truncatedPrompt).toBe(40 - (24 - 4));
		expect(g?.tokens.length).toBe(4);
		m.dispose();
	});

	test("truncationMetrics counts the prompts generation cuts, and the tokens it cuts", () => {
		const m = TransformerPolicy.init(cfg, 2);
		const lengths = [3, 20, 21, 40];
		const rows = lengths.map((n) => Array.from({ length: n }, (_, i) => 7 + (i % 30)));
		for (const maxNewTokens of [4, 40]) {
			const gens = generate(m, rows, { ...base, maxNewTokens, banned: [6] });
			const cut = gens.map((g) => g.truncatedPrompt).filter((n) => n > 0);
			const trajectory = {
				id: "t",
				groupId: "g",
				env: "x/y-v0",
				taskId: "t",
				seed: 0,
				split: "train",
				index: 0,
				won: false,
				score: 0,
				steps: rows.map((promptIds, t) => ({
					t,
					promptIds,
					actionIds: [],
					logProbs: [],
					response: "",
					action: "",
					valid: true,
					reward: 0,
					stateKey: "",
					nextStateKey: "",
					terminated: false,
					truncated: false,
					won: false,
					score: 0,
				})),
			};
			const f = truncationMetrics([trajectory], { contextLength: cfg.contextLength, maxNewTokens }, "eval");
			expect(cut.length).toBeGreaterThan(0);
			expect(f["eval/truncated_prompts"]).toBe(cut.length / rows.length);
			expect(f["eval/truncated_prompt_tokens"]).toBe(cut.reduce((a, b) => a + b, 0) / cut.length);
		}
		m.dispose();
	});

	test("evaluateAt (LM head at picked tokens only) matches evaluateTokens at those tokens", () => {
		const m = TransformerPolicy.init(cfg, 4);
		const batch = packSequences(
			[
				[1, 10, 11, 12, 13],
				[1, 14, 15],
			],
			0,
		);
		const picks = [
			[0, 3],
			[0, 4],
			[1, 2],
			[1, 1],
		] as const;
		const [full, fullV, at, atV, atH] = tf.tidy(() => {
			const f = evaluateTokens(m, batch.ids);
			const a = evaluateAt(m, batch.ids, picks, { entropy: true });
			return [f.logProbs, f.values, a.logProbs, a.values, a.entropy as tf.Tensor];
		});
		const F = full?.arraySync() as number[][];
		const FV = fullV?.arraySync() as number[][];
		const A = at?.arraySync() as number[];
		const AV = atV?.arraySync() as number[];
		picks.forEach(([b, t], i) => {
			expect(A[i]).toBeCloseTo(F[b]?.[t - 1] as number, 5);
			expect(AV[i]).toBeCloseTo(FV[b]?.[t - 1] as number, 5);
		});
		if (atH === undefined) throw new Error("evaluateAt returned no entropy");
		for (const h of atH.arraySync() as number[]) expect(h).toBeGreaterThan(0);
		expect(() => evaluateAt(m, batch.ids, [[0, 0]])).toThrow(/outside/);
		tf.dispose([full, fullV, at, atV, atH, batch.ids] as tf.Tensor[]);
		m.dispose();
	});

	test("gradients reach every parameter and training lowers the loss", () => {
		const m = TransformerPolicy.init(cfg, 0);
		const batch = packSequences(
			[
				[1, 10, 11, 12, 13],
				[1, 14, 15],
			],
			0,
		);
		const { grads, value } = tf.variableGrads(() => {
			const o = evaluateTokens(m, batch.ids, { entropy: true });
			return tf.add(
				tf.neg(tf.mean(o.logProbs)),
				tf.add(
					tf.mean(tf.square(tf.sub(o.values, 2))),
					tf.add(tf.mean(tf.square(tf.sub(o.progress, 1))), tf.mean(o.entropy as tf.Tensor)),
				),
			) as tf.Scalar;
		}, m.variables());
		const zero = m
			.variables()
			.filter((v) => !((tf.max(tf.abs(grads[v.name] as tf.Tensor)).dataSync()[0] as number) > 0))
			.map((v) => v.name);
		expect(zero).toEqual([]);
		tf.dispose([value, ...Object.values(grads)]);
		const opt = tf.train.adam(1e-2);
		const losses: number[] = [];
		for (let i = 0; i < 10; i++) {
			const l = opt.minimize(
				() => tf.neg(tf.mean(evaluateTokens(m, batch.ids).logProbs)) as tf.Scalar,
				true,
				m.variables(),
			);
			losses.push(l?.dataSync()[0] as number);
			l?.dispose();
		}
		expect(losses[9]).toBeLessThan((losses[0] as number) * 0.7);
		batch.ids.dispose();
		opt.dispose();
		m.dispose();
	});
});
