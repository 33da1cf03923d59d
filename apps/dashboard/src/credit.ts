/**
 * Trajectory dumps and their credit: a dump is decoded with core's `Trajectory` Schema, and the
 * advantages of its steps are recomputed with `@stepwise/rewards` over the whole dump (the batch
 * the trainer saw), under the run's method or any other method or mix.
 */
import { statSync } from "node:fs";
import { groupTrajectories, readTrajectories, type Trajectory, type TrajectoryFileError } from "@stepwise/core";
import {
	type CreditConfigError,
	type CreditInputError,
	type CreditResult,
	MethodName,
	parseMix,
	runCredit,
	runMix,
	toStepRows,
} from "@stepwise/rewards";
import { Effect, Result } from "effect";
import type { CreditChoice, CreditResponse, GroupsResponse } from "./api.ts";

/** Every choice of the page's method menu: each method of `@stepwise/rewards`, and `mix`. */
export const creditMethodNames: ReadonlyArray<string> = [...MethodName.literals, "mix"];

/** The method of `@stepwise/rewards` a training method runs: `ppo` trains on GAE (whose critic values the dumps lack: V = 0). */
const rewardsMethod = (name: string): string => (name === "ppo" ? "gae" : name);

/** Decoded dumps, kept while the file is unchanged (same size and mtime); the `limit` last used. */
export class DumpCache {
	private readonly entries = new Map<string, { stamp: string; trajectories: Trajectory[] }>();

	constructor(private readonly limit = 8) {}

	load(path: string): Effect.Effect<Trajectory[], TrajectoryFileError> {
		let stamp = "";
		try {
			const st = statSync(path);
			stamp = `${st.size}:${st.mtimeMs}`;
		} catch {}
		const hit = this.entries.get(path);
		this.entries.delete(path); // re-inserted below: the Map's order is the order of use
		if (hit !== undefined && hit.stamp === stamp) {
			this.entries.set(path, hit);
			return Effect.succeed(hit.trajectories);
		}
		return readTrajectories(path).pipe(
			Effect.tap((trajectories) =>
				Effect.sync(() => {
					this.entries.set(path, { stamp, trajectories });
					for (const old of this.entries.keys()) if (this.entries.size > this.limit) this.entries.delete(old);
				}),
			),
		);
	}
}

/** The groups of a dump, in file order. */
export const groupsOf = (file: string, trajectories: ReadonlyArray<Trajectory>): GroupsResponse => ({
	file,
	groups: groupTrajectories(trajectories).groups.map((g) => {
		const first = g.trajectories[0];
		return {
			groupId: g.groupId,
			taskId: first?.taskId ?? "",
			taskType: first?.taskType ?? null,
			episodes: g.trajectories.length,
			won: g.trajectories.filter((t) => t.won).length,
		};
	}),
});

const runChoice = (
	rows: ReturnType<typeof toStepRows>,
	choice: CreditChoice,
): Result.Result<CreditResult, CreditConfigError | CreditInputError | string> => {
	if (choice.method === "mix") {
		if (choice.mix === null || choice.mix.trim() === "")
			return Result.fail("mix needs a formula, e.g. 0.5*gigpo + 0.5*grpo");
		const spec = parseMix(choice.mix);
		return Result.isFailure(spec) ? Result.fail(spec.failure) : runMix(rows, spec.success);
	}
	const name = rewardsMethod(choice.method);
	const known = MethodName.literals.find((m) => m === name);
	if (known === undefined)
		return Result.fail(`unknown credit method "${choice.method}" (${creditMethodNames.join(", ")})`);
	return runCredit(known, rows, choice.config);
};

const finiteOrNull = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

/**
 * The episodes of one group with each step's advantage (and step reward, where the method defines
 * one) under `choice`, computed over all of `trajectories`; a method that cannot run on them (bad
 * option, SPA without progress estimates) gives `error` and no advantages.
 */
export const creditOf = (
	file: string,
	trajectories: ReadonlyArray<Trajectory>,
	groupId: string,
	choice: CreditChoice,
): CreditResponse | undefined => {
	const batch = groupTrajectories(trajectories);
	const g = batch.groups.findIndex((x) => x.groupId === groupId);
	const group = batch.groups[g];
	if (group === undefined) return undefined;
	const rows = toStepRows(batch);
	const result = runChoice(rows, choice);
	const credit = Result.isSuccess(result) ? result.success : undefined;
	const error = Result.isFailure(result)
		? typeof result.failure === "string"
			? result.failure
			: result.failure.message
		: null;
	const first = rows.groupTrajStart[g] as number;
	const anchors = new Map<string, { id: number; size: number }>();
	for (const s of group.trajectories.flatMap((t) => t.steps)) {
		const a = anchors.get(s.stateKey) ?? { id: anchors.size + 1, size: 0 };
		a.size++;
		anchors.set(s.stateKey, a);
	}
	const partsAt = (row: number): Record<string, number> =>
		Object.fromEntries(
			Object.entries(credit?.parts ?? {}).flatMap(([name, column]) => {
				const v = finiteOrNull(column[row]);
				return v === null ? [] : [[name, v]];
			}),
		);
	return {
		file,
		groupId,
		method: choice.method,
		mix: choice.method === "mix" ? choice.mix : null,
		error,
		episodes: group.trajectories.map((traj, j) => {
			const row0 = rows.trajStart[first + j] as number;
			return {
				id: traj.id,
				won: traj.won,
				score: traj.score,
				steps: traj.steps.map((s, t) => ({
					t: s.t,
					stateKey: s.stateKey,
					action: s.action,
					response: s.response,
					valid: s.valid,
					reward: s.reward,
					advantage: finiteOrNull(credit?.advantages[row0 + t]),
					stepReward: finiteOrNull(credit?.stepRewards?.[row0 + t]),
					parts: partsAt(row0 + t),
					progress: finiteOrNull(s.progress),
					anchor: anchors.get(s.stateKey)?.id ?? 0,
					anchorSize: anchors.get(s.stateKey)?.size ?? 0,
				})),
			};
		}),
	};
};
