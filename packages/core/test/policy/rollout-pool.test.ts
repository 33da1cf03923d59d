import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { collectRollouts, RolloutPool, RolloutWorkerError, TransformerPolicy } from "../../src/policy/index.ts";
import { corridorEnvs, corridorSpecV0, corridorTokenizer, tasks, useBackend } from "./helpers.ts";

const tokenizer = corridorTokenizer();
const config = { vocabSize: tokenizer.vocabSize, contextLength: 128, dModel: 32, nLayers: 1, nHeads: 2, dFF: 64 };
let policy: { model: TransformerPolicy; tokenizer: typeof tokenizer };
const init = {
	backend: "wasm",
	envModule: new URL("../fixtures/corridor-registry.ts", import.meta.url).href,
	envExport: "CorridorRegistry",
	specId: corridorSpecV0.id,
	envOptions: {},
	envs: 8,
	modelConfig: config,
	tokenizer: tokenizer.toJSON(),
};

beforeAll(async () => {
	await useBackend();
	policy = { model: TransformerPolicy.init(config, 3), tokenizer };
});
afterAll(() => policy.model.dispose());

describe("rollout pool", () => {
	test("workers play their shares with the current weights: the same trajectories as one collectRollouts call", async () => {
		const pool = await RolloutPool.start(init, 2);
		try {
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
		} finally {
			await pool.close();
		}
	}, 60_000);

	test("a worker that cannot start fails the pool with a message naming the cause", async () => {
		await expect(RolloutPool.start({ ...init, envExport: "Nope" }, 1)).rejects.toThrow(RolloutWorkerError);
		await expect(RolloutPool.start({ ...init, envExport: "Nope" }, 1)).rejects.toThrow(/exports no Nope/);
		await expect(RolloutPool.start({ ...init, specId: "nope/v0" }, 1)).rejects.toThrow(/nope\/v0/);
	}, 60_000);
});
