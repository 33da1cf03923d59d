import { readFileSync } from "node:fs";
import { Effect, Exit, Schema } from "effect";
import { type OutputError, writeOutput } from "../util/atomic.ts";
import { schemaErrorKey } from "../util/schema-issue.ts";
import { Trajectory } from "./schema.ts";

/** A trajectories file could not be read: names the file, the 1-based line and the field at fault. */
export class TrajectoryFileError extends Schema.TaggedError<TrajectoryFileError>()("TrajectoryFileError", {
	path: Schema.String,
	line: Schema.Number,
	field: Schema.String,
	message: Schema.String,
}) {}

const decode = Schema.decodeUnknownExit(Trajectory);
const encode = Schema.encodeSync(Trajectory);

/** Decode one JSONL line (1-based `line` for messages). */
export const decodeTrajectoryLine = (
	text: string,
	path: string,
	line: number,
): Effect.Effect<Trajectory, TrajectoryFileError> =>
	Effect.suspend(() => {
		let json: unknown;
		try {
			json = JSON.parse(text);
		} catch (error) {
			return Effect.fail(
				new TrajectoryFileError({
					path,
					line,
					field: "(json)",
					message: `${path}:${line}: not valid JSON: ${String(error)}`,
				}),
			);
		}
		const exit = decode(json, { onExcessProperty: "error" });
		if (Exit.isSuccess(exit)) return Effect.succeed(exit.value);
		const err = exit.cause.reasons.find((r) => r._tag === "Fail")?.error;
		const field = err !== undefined ? schemaErrorKey(err, { brackets: true }) : "(root)";
		const detail = err !== undefined ? err.message.split("\n")[0] : String(exit.cause);
		return Effect.fail(
			new TrajectoryFileError({ path, line, field, message: `${path}:${line}: field ${field}: ${detail}` }),
		);
	});

/** Parse a whole JSONL text (blank lines are skipped). */
export const parseTrajectories = (text: string, path = "<input>"): Effect.Effect<Trajectory[], TrajectoryFileError> =>
	Effect.forEach(
		text.split("\n").flatMap((l, i) => (l.trim() === "" ? [] : [[l, i + 1] as const])),
		([l, n]) => decodeTrajectoryLine(l, path, n),
	);

/** Serialise trajectories as JSONL, one episode a line, ending with a newline. */
export const formatTrajectories = (trajectories: ReadonlyArray<Trajectory>): string =>
	trajectories.map((t) => `${JSON.stringify(encode(t))}\n`).join("");

/** Read a trajectories JSONL file. */
export const readTrajectories = (path: string): Effect.Effect<Trajectory[], TrajectoryFileError> =>
	Effect.suspend(() => {
		let text: string;
		try {
			text = readFileSync(path, "utf8");
		} catch (error) {
			return Effect.fail(
				new TrajectoryFileError({ path, line: 0, field: "(file)", message: `${path}: ${String(error)}` }),
			);
		}
		return parseTrajectories(text, path);
	});

/** Write a trajectories JSONL file atomically (temp file + rename). */
export const writeTrajectories = (
	path: string,
	trajectories: ReadonlyArray<Trajectory>,
): Effect.Effect<void, OutputError> => Effect.suspend(() => writeOutput(path, formatTrajectories(trajectories)));
