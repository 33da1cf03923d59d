import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { outputError, type OutputError } from "@stepwise/core";
import { Effect, type Scope } from "effect";
import { RunLockedError } from "../errors.ts";

/** The lock file of a run directory: `{"pid": …, "command": …, "since": …}` while a command writes there. */
export const lockPath = (dir: string): string => join(dir, ".lock");

/** Whether a process with this id is running (EPERM: it is, as another user's). */
const alive = (pid: number): boolean => {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as { readonly code?: unknown }).code === "EPERM";
	}
};

/** The pid a lock file names, or undefined when it is missing, torn or not a lock. */
const ownerOf = (path: string): number | undefined => {
	try {
		const pid = (JSON.parse(readFileSync(path, "utf8")) as { readonly pid?: unknown }).pid;
		return typeof pid === "number" && Number.isInteger(pid) && pid > 0 ? pid : undefined;
	} catch {
		return undefined;
	}
};

/** Create the lock file exclusively; false when one exists. */
const create = (path: string, command: string): boolean => {
	let fd: number;
	try {
		fd = openSync(path, "wx");
	} catch (error) {
		if ((error as { readonly code?: unknown }).code === "EEXIST") return false;
		throw error;
	}
	try {
		writeSync(fd, `${JSON.stringify({ pid: process.pid, command, since: new Date().toISOString() })}\n`);
	} finally {
		closeSync(fd);
	}
	return true;
};

/**
 * Lock a run directory for this command until the scope closes: the lock file is created
 * exclusively with this process's id, so a second command on the directory fails with a
 * `RunLockedError` naming the owner instead of mixing weights and metrics with it. A lock left by a
 * process that no longer runs (killed) is taken over, with a line saying so.
 */
export const lockRunDir = (
	dir: string,
	command: string,
	log: (line: string) => void,
): Effect.Effect<void, RunLockedError | OutputError, Scope.Scope> => {
	const path = lockPath(dir);
	const acquire = Effect.suspend((): Effect.Effect<void, RunLockedError | OutputError> => {
		for (let attempt = 0; attempt < 3; attempt++) {
			let created: boolean;
			try {
				created = create(path, command);
			} catch (error) {
				return Effect.fail(outputError(path, error));
			}
			if (created) return Effect.void;
			const owner = ownerOf(path);
			if (owner !== undefined && alive(owner))
				return Effect.fail(
					new RunLockedError({
						path,
						message: `run directory ${dir} is in use by process ${owner}${owner === process.pid ? " (this one)" : ""} (${path}); wait for it, or use another --run-dir`,
					}),
				);
			log(
				`run directory ${dir}: taking over the lock of ${owner === undefined ? "an unreadable lock file" : `process ${owner}, which no longer runs`}`,
			);
			rmSync(path, { force: true });
		}
		return Effect.fail(new RunLockedError({ path, message: `cannot lock run directory ${dir}: ${path} keeps reappearing` }));
	});
	const release = Effect.sync(() => {
		if (ownerOf(path) === process.pid) rmSync(path, { force: true });
	});
	return Effect.acquireRelease(acquire, () => release);
};
