/**
 * The runner's services, each a `Context.Reference` whose default is the live implementation, so a
 * command needs no layer for them and a test swaps one with `Effect.provide(layer)`:
 *
 * - {@link StageLog}: where the stages print their lines (the terminal; {@link collectLog} for tests);
 * - {@link Compute}: the compute backend's selection, core's `selectBackend` loaded on first use (so
 *   commands that need no model never load TensorFlow.js); {@link computeFixed} pins one for tests;
 * - {@link RunDirectories}: opening a run directory, made and locked until the command's scope
 *   closes; {@link unlockedRunDirectories} skips the lock (tests that inspect a directory in use).
 */

import { type OutputError, outputError } from "@stepwise/core";
import type { BackendError, BackendSelection } from "@stepwise/core/backend/index";
import { Context, Effect, Layer, type Scope } from "effect";
import type { RunLockedError } from "./errors.ts";
import { lockRunDir } from "./runs/lock.ts";
import { RunDir } from "./runs/run-dir.ts";

/** Where the stages print their progress and summary lines. */
export const StageLog = Context.Reference<{ readonly print: (line: string) => void }>("@stepwise/runner/StageLog", {
	defaultValue: () => ({ print: (line) => console.log(line) }),
});

/** A {@link StageLog} that keeps the lines (in `lines`) instead of printing them. */
export const collectLog = (): { readonly lines: string[]; readonly layer: Layer.Layer<never> } => {
	const lines: string[] = [];
	return { lines, layer: Layer.succeed(StageLog, { print: (line) => lines.push(line) }) };
};

const backends = Effect.promise(() => import("@stepwise/core/backend/index"));

/** The compute backend: select one for a request (`auto`, `wasm`, `cpu`, `tensorflow`, …; undefined: `STEPWISE_BACKEND` or auto). */
export const Compute = Context.Reference<{
	readonly select: (request: string | undefined) => Effect.Effect<BackendSelection, BackendError>;
}>("@stepwise/runner/Compute", {
	defaultValue: () => ({ select: (request) => Effect.flatMap(backends, (b) => b.selectBackend(request)) }),
});

/** A {@link Compute} that selects `backend` whatever the config or `STEPWISE_BACKEND` ask for. */
export const computeFixed = (backend: string): Layer.Layer<never> =>
	Layer.succeed(Compute, { select: () => Effect.flatMap(backends, (b) => b.selectBackend(backend, { env: {} })) });

/** Make a run directory (an `OutputError` when it cannot be). */
const makeRunDir = (path: string): Effect.Effect<RunDir, OutputError> =>
	Effect.try({ try: () => new RunDir(path), catch: (e) => outputError(path, e) });

/** Open a run directory for a command: made, and locked until the command's scope closes. */
export const RunDirectories = Context.Reference<{
	readonly open: (
		path: string,
		log: (line: string) => void,
	) => Effect.Effect<RunDir, OutputError | RunLockedError, Scope.Scope>;
}>("@stepwise/runner/RunDirectories", {
	defaultValue: () => ({
		open: (path, log) =>
			Effect.flatMap(makeRunDir(path), (run) => Effect.as(lockRunDir(path, process.argv.slice(2).join(" "), log), run)),
	}),
});

/** {@link RunDirectories} without the lock. */
export const unlockedRunDirectories: Layer.Layer<never> = Layer.succeed(RunDirectories, {
	open: (path) => makeRunDir(path),
});
