import { readTrajectories, type Trajectory, TrajectoryFileError } from "@stepwise/core";
import { Effect } from "effect";

/** The first token id of a trajectory outside `[0, vocabSize)`, as its field path and value. */
const outOfVocabulary = (t: Trajectory, vocabSize: number): { field: string; id: number } | undefined => {
	for (const [i, step] of t.steps.entries())
		for (const key of ["promptIds", "actionIds"] as const)
			for (const [j, id] of step[key].entries())
				if (id < 0 || id >= vocabSize) return { field: `steps[${i}].${key}[${j}]`, id };
	return undefined;
};

/**
 * Read a trajectories file a model will score or train on: not empty, and every prompt and action
 * token an id of the model's vocabulary (a file made with another tokenizer would crash the
 * embedding lookup). A fault is a `TrajectoryFileError` naming the file, the episode's line and the field.
 */
export const readModelTrajectories = (
	path: string,
	vocabSize: number,
	what: string,
): Effect.Effect<Trajectory[], TrajectoryFileError> =>
	Effect.gen(function* () {
		const trajectories = yield* readTrajectories(path);
		if (trajectories.length === 0)
			return yield* new TrajectoryFileError({
				path,
				line: 0,
				field: "(file)",
				message: `${path}: no trajectories (${what} needs at least one)`,
			});
		for (const [k, t] of trajectories.entries()) {
			const bad = outOfVocabulary(t, vocabSize);
			if (bad !== undefined)
				return yield* new TrajectoryFileError({
					path,
					line: k + 1,
					field: bad.field,
					message: `${path}: episode ${k + 1} (${t.id}): ${bad.field} = ${bad.id} is not a token of the model's vocabulary (${vocabSize} tokens); were these trajectories made with another tokenizer?`,
				});
		}
		return trajectories;
	});
