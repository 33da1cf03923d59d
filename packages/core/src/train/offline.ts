import { groupTrajectories, type Trajectory, type TrajectoryBatch } from "../trajectory/schema.ts";
import { hashSeed, Rng } from "../util/rng.ts";

/**
 * Offline RL data, as SPA's released code trains: PPO over the stored exploration trajectories (each
 * annotated with per-step progress), with no fresh interaction with the env. Iteration i's batch is
 * `groups` groups of the trajectories; the groups are reshuffled every epoch (a pure function of
 * `seed` and the epoch, so a resumed run sees the batches the uninterrupted one would).
 */
export const offlineBatches = (
	trajectories: ReadonlyArray<Trajectory>,
	options: { readonly groups: number; readonly seed: number },
): ((iteration: number) => TrajectoryBatch) => {
	const all = groupTrajectories(trajectories).groups;
	if (all.length === 0) throw new Error("offlineBatches: no trajectories to train on");
	if (!Number.isInteger(options.groups) || options.groups < 1)
		throw new Error(`offlineBatches: groups must be a positive integer, got ${options.groups}`);
	const perEpoch = Math.ceil(all.length / options.groups);
	let cached: { readonly epoch: number; readonly order: typeof all } | undefined;
	return (iteration: number): TrajectoryBatch => {
		if (!Number.isInteger(iteration) || iteration < 1)
			throw new Error(`offlineBatches: iterations count from 1, got ${iteration}`);
		const epoch = Math.floor((iteration - 1) / perEpoch);
		if (cached?.epoch !== epoch)
			cached = { epoch, order: new Rng(hashSeed(options.seed, "offline", epoch)).shuffle(all) };
		const start = ((iteration - 1) % perEpoch) * options.groups;
		return { groups: cached.order.slice(start, start + options.groups) };
	};
};
