import { beforeAll, describe, expect, test } from "bun:test";
import { initBackend } from "../../src/backend/index.ts";
import { offlineBatches, Trainer } from "../../src/train/index.ts";
import { adam, grpoCredit, rollouts, stepless, tasks, tinyPolicy, weights } from "./helpers.ts";

beforeAll(() => initBackend("wasm"));

const ids = (b: { groups: ReadonlyArray<{ groupId: string }> }) => b.groups.map((g) => g.groupId);

describe("offline data (SPA's PPO over stored exploration)", () => {
	test("every epoch visits each group once, in a new seeded order; a fresh function (a resumed run) gives the same batches", () => {
		const data = Array.from({ length: 7 }, (_, g) => [stepless(g, 0), stepless(g, 1)]).flat();
		const batches = offlineBatches(data, { groups: 3, seed: 4 });
		// 7 groups in batches of 3: 3 iterations per epoch, the last one short
		const epoch = (e: number) => [1, 2, 3].map((i) => ids(batches(e * 3 + i)));
		const [first, second] = [epoch(0), epoch(1)];
		expect(first.map((b) => b.length)).toEqual([3, 3, 1]);
		expect(first.flat().sort()).toEqual(
			data
				.filter((t) => t.id.endsWith("/0"))
				.map((t) => t.groupId)
				.sort(),
		);
		expect(second.flat().sort()).toEqual(first.flat().sort());
		expect(second.flat()).not.toEqual(first.flat());
		expect(batches(2).groups[0]?.trajectories).toHaveLength(2);
		const resumed = offlineBatches(data, { groups: 3, seed: 4 });
		expect(ids(resumed(5))).toEqual(second[1] as string[]);
		expect(ids(offlineBatches(data, { groups: 3, seed: 5 })(1))).not.toEqual(first[0]);
		expect(() => batches(0)).toThrow(/from 1/);
		expect(() => offlineBatches([], { groups: 2, seed: 0 })).toThrow(/no trajectories/);
		expect(() => offlineBatches(data, { groups: 0, seed: 0 })).toThrow(/groups/);
	});

	test("a Trainer with offline data trains on the stored batch and plays no rollouts", () => {
		const policy = tinyPolicy(33);
		const played = rollouts(policy, 4, 2, 3);
		const data = offlineBatches(
			played.groups.flatMap((g) => g.trajectories),
			{ groups: 2, seed: 1 },
		);
		const before = weights(policy.model);
		const opt = adam(1e-2);
		const trainer = new Trainer({
			policy,
			optimizer: opt,
			// no env could play these tasks: any rollout would throw
			envs: [],
			algorithm: { kind: "group", config: { miniBatchSize: 16 } },
			credit: grpoCredit,
			tasks: () => tasks("train", 2),
			groupSize: 2,
			rollout: { maxNewTokens: 3 },
			data,
			seed: 1,
		});
		const [r] = trainer.run(1);
		expect(r?.batch).toEqual(data(1));
		expect(weights(policy.model)).not.toEqual(before);
		expect(() => new Trainer({ ...trainer.options, filter: { keep: 2 } })).toThrow(/offline/);
		opt.dispose();
		policy.model.dispose();
	}, 20_000);
});
