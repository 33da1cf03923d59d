import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs-core";
import {
	answerTokens,
	collectDemonstrations,
	collectRollouts,
	encodeDemonstrations,
	RolloutPool,
	RolloutWorkerError,
	type SftGradientHelpers,
	scoreSequences,
	sftChunkGradient,
	sftLoss,
	TransformerPolicy,
	trainSft,
} from "../../src/policy/index.ts";
import { type PromptCodec, stepwisePromptCodec } from "../../src/policy/prompt-codec.ts";
import {
	type GradientHelpers,
	groupRelativeUpdate,
	type ProgressGradientHelpers,
	ppoUpdate,
	trainProgressEstimator,
} from "../../src/train/index.ts";
import { groupTrajectories } from "../../src/trajectory/schema.ts";
import { balancedChunks } from "../../src/util/chunks.ts";
import { Rng } from "../../src/util/rng.ts";
import { corridorEnvs, corridorSpecV0, corridorTokenizer, tasks, useBackend } from "./helpers.ts";

const tokenizer = corridorTokenizer();
const config = { vocabSize: tokenizer.vocabSize, contextLength: 128, dModel: 32, nLayers: 1, nHeads: 2, dFF: 64 };
let policy: { model: TransformerPolicy; codec: PromptCodec };
const init = {
	backend: "wasm",
	envModule: new URL("../fixtures/corridor-registry.ts", import.meta.url).href,
	envExport: "CorridorRegistry",
	specId: corridorSpecV0.id,
	envOptions: {},
	envs: 8,
	modelConfig: config,
	tokenizer: { kind: "stepwise" as const, tokenizer: tokenizer.toJSON() },
};

beforeAll(async () => {
	await useBackend();
	policy = { model: TransformerPolicy.init(config, 3), codec: stepwisePromptCodec(tokenizer) };
});
afterAll(() => policy.model.dispose());

/** Run `body` with a pool of `size` workers, closed afterwards. */
const withPool = async (size: number, body: (pool: RolloutPool) => Promise<void> | void): Promise<void> => {
	const pool = await RolloutPool.start(init, size);
	try {
		await body(pool);
	} finally {
		await pool.close();
	}
};

describe("rollout pool", () => {
	test("workers play their shares with the current weights: the same trajectories as one collectRollouts call", async () => {
		await withPool(2, async (pool) => {
			expect(pool.size).toBe(2);
			const opts = {
				tasks: tasks("train", 5),
				groupSize: 4,
				maxNewTokens: 4,
				seed: 9,
				temperature: 1.2,
				groupPrefix: "it1/",
			};
			const envs = corridorEnvs(8);
			expect(await pool.collect(policy, envs, opts)).toEqual(collectRollouts(policy, envs, opts));
			// a later round of dynamic sampling: its episodes keep their positions' streams
			const round = { ...opts, tasks: tasks("train", 3, 5), firstTask: 5 };
			expect(await pool.collect(policy, envs, round)).toEqual(collectRollouts(policy, envs, round));
			// new weights reach the workers on the next call
			const other = TransformerPolicy.init(config, 4);
			policy.model.variables().forEach((v, i) => {
				v.assign(other.variables()[i] as never);
			});
			other.dispose();
			const greedy = { ...opts, greedy: true, seed: 1 };
			expect(await pool.collect(policy, envs, greedy)).toEqual(collectRollouts(policy, envs, greedy));
			// an aborted call discards its result
			const abort = new AbortController();
			const pending = pool.collect(policy, envs, opts, abort.signal);
			abort.abort();
			const outcome = await pending.then(
				() => "resolved",
				(e: unknown) => (e instanceof Error ? e.name : String(e)),
			);
			expect(outcome).toBe("AbortError");
		});
	}, 60_000);

	test("workers compute shares of an update's policy gradient: the same weights and metrics as one thread (group-relative with KL, PPO with the shared critic)", async () => {
		await withPool(2, async (pool) => {
			const batch = groupTrajectories(
				collectRollouts(policy, corridorEnvs(8), {
					tasks: tasks("train", 4),
					groupSize: 4,
					maxNewTokens: 4,
					seed: 5,
					temperature: 1.5,
				}),
			);
			const rows = batch.groups.reduce((n, g) => n + g.trajectories.reduce((m, t) => m + t.steps.length, 0), 0);
			const perRow = Array.from({ length: rows }, (_, i) => Math.sin(i + 1));
			const fit = { contextLength: config.contextLength, maxNewTokens: 4 };
			// several mini-batches of several chunks each, over two epochs
			const settings = { miniBatchSize: 24, microBatchSize: 4, klCoef: 0.05, entropyCoef: 0.01, epochs: 2 };
			const train = (kind: "group" | "ppo", helpers?: GradientHelpers) => {
				const model = policy.model.copy();
				const reference = policy.model.copy();
				const optimizer = tf.train.adam(1e-2);
				const ctx = { model, optimizer, reference, pad: tokenizer.pad, ...(helpers ? { helpers } : {}) };
				const metrics =
					kind === "group"
						? groupRelativeUpdate(ctx, batch, perRow, fit, settings, 7)
						: ppoUpdate(ctx, "shared", batch, perRow, fit, settings, 7);
				const weights = model.variables().map((v) => Array.from(v.dataSync()));
				for (const m of [model, reference]) m.dispose();
				optimizer.dispose();
				return { metrics, weights };
			};
			for (const kind of ["group", "ppo"] as const) {
				const alone = train(kind);
				const shared = train(kind, pool);
				expect(alone.metrics["losses/optimizer_steps"]).toBeGreaterThan(2);
				expect(shared.weights).toEqual(alone.weights);
				expect(shared.metrics).toEqual(alone.metrics);
			}
		});
	}, 60_000);

	test("workers score shares of the batches: the same log-probs, values and progress as one thread", async () => {
		const rng = new Rng(3);
		const seqs = Array.from({ length: 23 }, () => Array.from({ length: 5 + rng.int(30) }, () => 1 + rng.int(20)));
		const options = { batchSize: 4, temperature: 1.3, pad: tokenizer.pad };
		const alone = scoreSequences(policy.model, seqs, options);
		for (const size of [1, 2])
			await withPool(size, (pool) => {
				expect(scoreSequences(policy.model, seqs, options, pool)).toEqual(alone);
			});
	}, 60_000);

	test("progress-estimator training on the workers: the same losses and weights as one thread (whole policy and head only)", async () => {
		const trajectories = collectRollouts(policy, corridorEnvs(8), {
			tasks: tasks("train", 6),
			groupSize: 2,
			maxNewTokens: 4,
			seed: 2,
			temperature: 1.5,
		});
		const fit = { contextLength: config.contextLength, maxNewTokens: 4 };
		const run = (trainable: "all" | "head", helpers?: ProgressGradientHelpers) => {
			const model = policy.model.copy();
			const optimizer = tf.train.adam(1e-2);
			const { losses } = trainProgressEstimator(model, optimizer, trajectories, {
				fit,
				batchSize: 8,
				microBatchSize: 2,
				epochs: 2,
				seed: 1,
				trainable,
				pad: tokenizer.pad,
				...(helpers ? { helpers } : {}),
			});
			const weights = model.variables().map((v) => Array.from(v.dataSync()));
			model.dispose();
			optimizer.dispose();
			return { losses, weights };
		};
		const alone = { all: run("all"), head: run("head") };
		expect(alone.all.losses.length).toBe(4);
		await withPool(2, (pool) => {
			expect(run("all", pool)).toEqual(alone.all);
			expect(run("head", pool)).toEqual(alone.head);
		});
	}, 60_000);

	test("SFT in micro-batches: the same weights and losses with 0, 1 and 2 workers; the micro-batches' gradients add up to the batch's", async () => {
		const env = corridorEnvs(1)[0];
		if (env === undefined) throw new Error("no env");
		const demos = (split: string, n: number) =>
			encodeDemonstrations(tokenizer, collectDemonstrations(env, tasks(split, n)).demos, config.contextLength);
		const train = demos("train", 12);
		const val = demos("test", 3);
		const options = { batchSize: 10, microBatchSize: 3, maxSteps: 6, evalEvery: 3, learningRate: 1e-2, seed: 4 };
		const run = (helpers?: SftGradientHelpers) => {
			const model = policy.model.copy();
			const result = trainSft(model, train, val, { ...options, ...(helpers ? { helpers } : {}) });
			const weights = model.variables().map((v) => Array.from(v.dataSync()));
			model.dispose();
			result.optimizer.dispose();
			return { curve: result.curve.map((p) => [p.trainLoss, p.valLoss]), weights };
		};
		const alone = run();
		await withPool(1, (pool) => {
			expect(run(pool)).toEqual(alone);
		});
		await withPool(2, (pool) => {
			expect(run(pool)).toEqual(alone);
		});
		// the parts' gradients sum to the whole batch's mean-loss gradient (up to float rounding)
		const batch = train.slice(0, 10);
		const tokens = answerTokens(batch);
		const whole = tf.variableGrads(() => sftLoss(policy.model, batch));
		const parts = balancedChunks(batch, 3).map((c) => sftChunkGradient(policy.model, c, tokens));
		expect(parts.map((p) => p.value).reduce((a, b) => a + b, 0)).toBeCloseTo(whole.value.dataSync()[0] as number, 5);
		for (const [j, v] of policy.model.variables().entries()) {
			const want = whole.grads[v.name]?.dataSync() as Float32Array | undefined;
			if (want === undefined) {
				// the value and progress heads get no SFT gradient, here or in the parts
				expect(parts.every((p) => p.grads[j] === undefined)).toBe(true);
				continue;
			}
			let worst = 0;
			for (let i = 0; i < want.length; i++) {
				const got = parts.reduce((sum, p) => sum + (p.grads[j]?.[i] ?? 0), 0);
				worst = Math.max(worst, Math.abs((want[i] as number) - got));
			}
			expect(worst).toBeLessThan(1e-5);
		}
		tf.dispose([whole.value, ...Object.values(whole.grads)]);
	}, 60_000);

	test("a worker that cannot compute its share of the gradient fails the update with a RolloutWorkerError naming the cause", async () => {
		await withPool(1, async (pool) => {
			const settings = {
				temperature: 1,
				clipRatio: 0.2,
				clipRatioC: 3,
				aggregation: "token-mean" as const,
				entropyCoef: 0,
				klCoef: 0,
				klEstimator: "low_var_kl" as const,
				sharedValue: false,
				valueCoef: 0.1,
				valueClip: 0.5,
			};
			const weights = policy.model.variables().map((v) => v.dataSync() as Float32Array);
			// ids for 1 × 4 tokens, but a [1, 3] shape
			const broken = {
				arrays: {
					B: 1,
					T: 3,
					ids: new Int32Array(4),
					mask: new Float32Array(2),
					columns: { adv: new Float32Array(2), old: new Float32Array(2) },
					tokens: 1,
					lastIndex: [1],
				},
			};
			expect(() => pool.postGradients(weights, [[broken]], settings).wait()).toThrow(RolloutWorkerError);
			expect(() => pool.postGradients(weights.slice(1), [[broken]], settings).wait()).toThrow(/weight arrays/);
			expect(() => pool.postGradients(weights, [[broken], [broken]], settings)).toThrow(
				/2 gradient shares for 1 workers/,
			);
		});
	}, 60_000);

	test("a worker that cannot start fails the pool with a message naming the cause", async () => {
		await expect(RolloutPool.start({ ...init, envExport: "Nope" }, 1)).rejects.toThrow(RolloutWorkerError);
		await expect(RolloutPool.start({ ...init, envExport: "Nope" }, 1)).rejects.toThrow(/exports no Nope/);
		await expect(RolloutPool.start({ ...init, specId: "nope/v0" }, 1)).rejects.toThrow(/nope\/v0/);
	}, 60_000);
});
