import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Effect, Schema } from "effect";

let counter = 0;

/** An output could not be written (no space, read-only file system, a directory in the way …): `path` is the output. */
export class OutputError extends Schema.TaggedError<OutputError>()("OutputError", {
	path: Schema.String,
	message: Schema.String,
}) {}

const reasons: Readonly<Record<string, string>> = {
	ENOSPC: "no space left on the device",
	ENOENT: "no such file or directory",
	EDQUOT: "disk quota exceeded",
	EROFS: "read-only file system",
	EISDIR: "it is a directory",
	ENOTDIR: "a parent of it is not a directory",
	EACCES: "permission denied",
	EPERM: "operation not permitted",
	ENAMETOOLONG: "name too long",
	EEXIST: "a file is in the way",
};

/**
 * What went wrong with a file system call, without the path it was called on (which may be a
 * temporary file): `read-only file system (EROFS)`. Reads Node's errors and Effect's `PlatformError`.
 */
export const fsErrorText = (error: unknown): string => {
	// a Node error, or an Effect PlatformError whose cause is one
	const e = error as { readonly code?: unknown; readonly cause?: { readonly code?: unknown } } | undefined;
	const code = e?.code ?? e?.cause?.code;
	if (typeof code === "string") return `${reasons[code] ?? code.toLowerCase()} (${code})`;
	return error instanceof Error ? error.message : String(error);
};

/** An {@link OutputError} for a failed write of `path`. */
export const outputError = (path: string, error: unknown): OutputError =>
	new OutputError({ path, message: `cannot write ${path}: ${fsErrorText(error)}` });

/**
 * Write a file atomically: the data goes to a temp file beside the target, then a rename replaces
 * the target, so a reader (or a crash) never sees a half-written file. Parent folders are created.
 * A failure throws the write's error (the temp file is removed, and a failing removal does not
 * hide the cause).
 */
export const writeFileAtomic = (path: string, data: string | Uint8Array): void => {
	const dir = dirname(path);
	mkdirSync(dir, { recursive: true });
	const tmp = join(dir, `.${basename(path)}.${process.pid}.${counter++}.tmp`);
	try {
		writeFileSync(tmp, data);
		renameSync(tmp, path);
	} catch (error) {
		try {
			rmSync(tmp, { force: true });
		} catch {
			// the write's error is the one to report
		}
		throw error;
	}
};

/** {@link writeFileAtomic} as an Effect: a failure is an {@link OutputError} naming the output and the cause. */
export const writeOutput = (path: string, data: string | Uint8Array): Effect.Effect<void, OutputError> =>
	Effect.try({ try: () => writeFileAtomic(path, data), catch: (e) => outputError(path, e) });
