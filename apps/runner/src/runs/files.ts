import { basename, dirname, join } from "node:path";
import { type OutputError, outputError } from "@stepwise/core";
import { Effect, FileSystem } from "effect";

let counter = 0;

/**
 * Write a run's file atomically through Effect's `FileSystem`: parent folders made, the data written
 * to a temp file beside the target, then renamed over it. A failure is an `OutputError` naming the
 * output and the reason (never the temp file, which is removed; a failing removal hides nothing).
 */
export const writeRunFile = (
	path: string,
	data: string | Uint8Array,
): Effect.Effect<void, OutputError, FileSystem.FileSystem> =>
	Effect.gen(function* () {
		const fs = yield* FileSystem.FileSystem;
		const dir = dirname(path);
		const tmp = join(dir, `.${basename(path)}.${process.pid}.${counter++}.tmp`);
		yield* fs.makeDirectory(dir, { recursive: true });
		yield* (typeof data === "string" ? fs.writeFileString(tmp, data) : fs.writeFile(tmp, data)).pipe(
			Effect.andThen(fs.rename(tmp, path)),
			Effect.tapError(() => Effect.ignore(fs.remove(tmp, { force: true }))),
		);
	}).pipe(Effect.mapError((e) => outputError(path, e)));
