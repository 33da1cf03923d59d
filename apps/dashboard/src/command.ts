/**
 * `stepwise dashboard`: build the page, serve it over a runs directory until interrupted. It loads
 * no TensorFlow.js: only `@stepwise/core`'s data types and `@stepwise/rewards`.
 */
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { Console, Effect, Option } from "effect";
import { Command, Flag } from "effect/cli";
import { buildAssets, DashboardBuildError } from "./build.ts";
import { isLoopback, startDashboard } from "./server.ts";

/** `stepwise dashboard [--runs DIR] [--port N] [--host H] [--token T]`. */
export const dashboardCommand = Command.make(
	"dashboard",
	{
		runs: Flag.String("runs").pipe(Flag.withDescription("the runs directory to show"), Flag.withDefault("runs")),
		port: Flag.Int("port").pipe(Flag.withDescription("port to listen on (0: a free port)"), Flag.withDefault(0)),
		host: Flag.String("host").pipe(
			Flag.withDescription("address to bind; anything but loopback needs the token printed at start"),
			Flag.withDefault("127.0.0.1"),
		),
		token: Flag.String("token").pipe(
			Flag.withDescription("the token requests must carry (default: a random one when --host is not loopback)"),
			Flag.optional,
		),
	},
	Effect.fn("stepwise.dashboard")(function* ({ runs, port, host, token }) {
		const assets = yield* Effect.tryPromise({
			try: () => buildAssets(),
			catch: (e) => (e instanceof DashboardBuildError ? e : new DashboardBuildError({ message: String(e) })),
		});
		const secret = Option.isSome(token)
			? token.value
			: isLoopback(host)
				? undefined
				: randomBytes(24).toString("base64url");
		const runsDir = resolve(runs);
		const dashboard = yield* Effect.acquireRelease(
			startDashboard({ runsDir, assets, host, port, ...(secret === undefined ? {} : { token: secret }) }),
			(d) => Effect.promise(() => d.stop()),
		);
		yield* Console.log(`dashboard: page built in ${assets.ms.toFixed(0)} ms; runs from ${runsDir}`);
		if (secret === undefined) yield* Console.log(`dashboard: ${dashboard.url}`);
		else {
			yield* Console.log(`dashboard: ${dashboard.url}?token=${secret}`);
			yield* Console.log(
				`token: ${secret} (send it as the ${"`stepwise_token`"} cookie or an Authorization: Bearer header)`,
			);
		}
		yield* Console.log("Ctrl-C stops it");
		return yield* Effect.never;
	}, Effect.scoped),
).pipe(
	Command.withDescription("Serve a local web page over a runs directory: runs, curves, per-step credit, evaluations"),
	Command.withExamples([
		{ command: "stepwise dashboard", description: "runs/ on a free loopback port" },
		{ command: "stepwise dashboard --runs bench-out --port 8080", description: "another directory, a fixed port" },
		{ command: "stepwise dashboard --host 0.0.0.0", description: "on every address, behind a printed token" },
	]),
);
