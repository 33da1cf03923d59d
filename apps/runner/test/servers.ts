import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Context, Effect, Exit, Layer, Scope } from "effect";
import { HttpServer } from "effect/http";
import { runCli } from "../src/main.ts";

/** A server Layer built in its own scope (as a test fixture): its base URL and how to stop it. */
export const startServer = async <E>(
	layer: Layer.Layer<HttpServer.HttpServer, E>,
): Promise<{ readonly url: string; readonly port: number; readonly stop: () => Promise<void> }> => {
	const scope = Effect.runSync(Scope.make());
	const context = await Effect.runPromise(Layer.buildWithScope(layer, scope));
	const address = Context.get(context, HttpServer.HttpServer).address;
	if (address._tag === "UnixPathAddress") throw new Error("expected a TCP address");
	return {
		url: `http://127.0.0.1:${address.port}`,
		port: address.port,
		stop: () => Effect.runPromise(Scope.close(scope, Exit.void)),
	};
};

/** Lines a function prints with `console.log` (the CLI's output), captured. */
export const captureLog = async (f: () => Promise<unknown>): Promise<string[]> => {
	const lines: string[] = [];
	const log = console.log;
	console.log = (...args: unknown[]) => {
		lines.push(args.map(String).join(" "));
	};
	try {
		await f();
	} finally {
		console.log = log;
	}
	return lines;
};

/** A tiny SFT checkpoint (configs/tiny.yaml, 10 steps: seconds) in a fresh directory, on the wasm backend. */
export const tinyCheckpoint = async (): Promise<string> => {
	const run = join(mkdtempSync(join(tmpdir(), "stepwise-serve-")), "run");
	await captureLog(() =>
		Effect.runPromise(
			runCli([
				"sft",
				"--backend",
				"wasm",
				"--config",
				new URL("../configs/tiny.yaml", import.meta.url).pathname,
				"--run-dir",
				run,
			]),
		),
	);
	return join(run, "sft");
};
