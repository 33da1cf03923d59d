/**
 * The dashboard's HTTP server (Bun.serve): the built page and a read-only JSON API over a runs
 * directory. It binds 127.0.0.1 by default; any other address needs a token, which every request
 * must carry (header, cookie, or `?token=` once, which sets the cookie). A request whose path or
 * query names a `..` segment is refused, and files are only ever read by names taken from listings.
 */
import { timingSafeEqual } from "node:crypto";
import { join } from "node:path";
import { Effect, Schema } from "effect";
import type { CreditChoice } from "./api.ts";
import type { Assets } from "./build.ts";
import { creditMethodNames, creditOf, DumpCache, groupsOf } from "./credit.ts";
import { readEvals } from "./evals.ts";
import { dumpFiles, RunsIndex } from "./runs.ts";

/** Where and how to serve. */
export interface DashboardOptions {
	readonly runsDir: string;
	readonly assets: Assets;
	/** Address to bind (default 127.0.0.1). Anything but loopback needs `token`. */
	readonly host?: string;
	/** Port (default 0: a free port). */
	readonly port?: number;
	/** Required on every request when set. */
	readonly token?: string;
	/** A run not written to for this long that has not finished is `failed` (default 5 minutes). */
	readonly staleMs?: number;
}

/** The dashboard cannot start (an address that is not loopback without a token, a port in use). */
export class DashboardError extends Schema.TaggedError<DashboardError>()("DashboardError", {
	message: Schema.String,
}) {}

/** 127.0.0.0/8, ::1 and `localhost`. */
export const isLoopback = (host: string): boolean =>
	host === "localhost" || host === "::1" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);

const TOKEN_COOKIE = "stepwise_token";

const securityHeaders = {
	"x-content-type-options": "nosniff",
	"referrer-policy": "no-referrer",
	"x-frame-options": "DENY",
	// vega compiles its expressions with Function(); vega-embed injects its styles
	"content-security-policy":
		"default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'",
};

const json = (body: unknown, status = 200): Response =>
	new Response(JSON.stringify(body), {
		status,
		headers: { "content-type": "application/json", "cache-control": "no-store", ...securityHeaders },
	});

const refuse = (status: number, message: string): Response => json({ error: message }, status);

/** A path or query that names a parent directory (`..` between separators, after decoding), or a NUL. */
export const namesTraversal = (url: URL): boolean => {
	const parts = [url.pathname, ...url.searchParams.keys(), ...url.searchParams.values()];
	return parts.some((p) => {
		let decoded: string;
		try {
			decoded = decodeURIComponent(p);
		} catch {
			return true;
		}
		return decoded.includes("\0") || decoded.split(/[/\\]/).some((s) => s === "..");
	});
};

const sameToken = (given: string | null | undefined, token: string): boolean => {
	if (given == null) return false;
	const a = Buffer.from(given);
	const b = Buffer.from(token);
	return a.length === b.length && timingSafeEqual(a, b);
};

const cookie = (req: Request, name: string): string | undefined => {
	for (const part of (req.headers.get("cookie") ?? "").split(";")) {
		const [k, ...v] = part.trim().split("=");
		if (k === name) return v.join("=");
	}
	return undefined;
};

const bearer = (req: Request): string | null =>
	/^Bearer\s+(.+)$/i.exec(req.headers.get("authorization") ?? "")?.[1] ?? req.headers.get("x-stepwise-token");

/** `max=N` (N ≥ 2): thin each series to N points; otherwise all of them. */
const maxPoints = (url: URL): number => {
	const n = Number(url.searchParams.get("max"));
	return Number.isInteger(n) && n >= 2 ? n : Number.POSITIVE_INFINITY;
};

const runNames = (url: URL): string[] => url.searchParams.getAll("run").filter((r) => r !== "");

/** The request handler, apart from the server (tests call it directly too). */
export const makeHandler = (options: DashboardOptions) => {
	const index = new RunsIndex(options.runsDir, options.staleMs === undefined ? {} : { staleMs: options.staleMs });
	const dumps = new DumpCache();
	const { token, assets } = options;
	const loopbackOnly = token === undefined;

	const asset = (name: string): Response => {
		const a = assets.files.get(name);
		return a === undefined
			? refuse(404, `no such file: ${name}`)
			: new Response(a.body, { headers: { "content-type": a.type, "cache-control": "no-cache", ...securityHeaders } });
	};

	/** A listed dump of a listed run, decoded. */
	const loadDump = async (run: string, file: string) => {
		const dir = index.dir(run);
		if (dir === undefined) return refuse(404, `no run named ${run}`);
		if (!dumpFiles(dir).includes(file)) return refuse(404, `run ${run} has no trajectory dump ${file}`);
		const r = await Effect.runPromise(Effect.result(dumps.load(join(dir, "trajectories", file))));
		return r._tag === "Success" ? r.success : refuse(422, r.failure.message);
	};

	const api = async (url: URL, parts: ReadonlyArray<string>): Promise<Response> => {
		const [what, run = "", sub, file = "", leaf] = parts;
		if (what === "runs" && parts.length === 1) return json({ runsDir: options.runsDir, runs: index.summaries() });
		if (what === "keys" && parts.length === 1) return json({ keys: index.keys(runNames(url)) });
		if (what === "metrics" && parts.length === 1)
			return json({ series: index.series(runNames(url), url.searchParams.getAll("key"), maxPoints(url)) });
		if (what !== "runs") return refuse(404, `no such API: /api/${parts.join("/")}`);
		const dir = index.dir(run);
		if (dir === undefined) return refuse(404, `no run named ${run}`);
		if (sub === "evals" && parts.length === 3) return json(readEvals(dir));
		if (sub === "dumps" && parts.length === 3)
			return json({
				run: index.creditChoice(run),
				methods: creditMethodNames,
				files: dumpFiles(dir).map((f) => ({ file: f, bytes: Bun.file(join(dir, "trajectories", f)).size })),
			});
		if (sub === "dumps" && parts.length === 5 && (leaf === "groups" || leaf === "credit")) {
			const trajectories = await loadDump(run, file);
			if (trajectories instanceof Response) return trajectories;
			if (leaf === "groups") return json(groupsOf(file, trajectories));
			const choice = creditChoice(url, index.creditChoice(run));
			if (typeof choice === "string") return refuse(400, choice);
			const groupId = url.searchParams.get("group") ?? "";
			const credit = creditOf(file, trajectories, groupId, choice);
			return credit === undefined ? refuse(404, `dump ${file} has no group ${groupId}`) : json(credit);
		}
		return refuse(404, `no such API: /api/${parts.join("/")}`);
	};

	return async (req: Request): Promise<Response> => {
		const url = new URL(req.url);
		if (namesTraversal(url)) return refuse(400, "path traversal refused");
		if (req.method !== "GET" && req.method !== "HEAD") return refuse(405, "the dashboard is read-only");
		if (loopbackOnly) {
			// a page on another site cannot reach us through a DNS name that points at 127.0.0.1
			const host = (req.headers.get("host") ?? url.host).replace(/:\d+$/, "");
			if (!isLoopback(host)) return refuse(403, `host ${host} refused: the dashboard answers loopback names only`);
		} else {
			const given = url.searchParams.get("token");
			if (url.pathname === "/" && sameToken(given, token)) {
				return new Response(null, {
					status: 303,
					headers: {
						location: "/",
						"set-cookie": `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
						...securityHeaders,
					},
				});
			}
			if (!sameToken(bearer(req), token) && !sameToken(cookie(req, TOKEN_COOKIE), token))
				return refuse(401, "token required (the dashboard printed it at start)");
		}
		const parts = url.pathname
			.split("/")
			.filter((p) => p !== "")
			.map((p) => decodeURIComponent(p));
		if (parts.length === 0) return asset("index.html");
		if (parts[0] === "assets" && parts.length === 2) return asset(parts[1] as string);
		if (parts[0] === "api") return api(url, parts.slice(1));
		return refuse(404, `not found: ${url.pathname}`);
	};
};

/** The method to recompute with: the run's own unless `method` (and `mix`, `config` as JSON) say otherwise. */
const creditChoice = (url: URL, runs: CreditChoice): CreditChoice | string => {
	const method = url.searchParams.get("method");
	if (method === null || method === "") return runs;
	if (!creditMethodNames.includes(method) && method !== "ppo")
		return `unknown credit method "${method}" (${creditMethodNames.join(", ")})`;
	const text = url.searchParams.get("config");
	let config: Record<string, unknown> = {};
	if (text !== null && text !== "") {
		try {
			const parsed: unknown = JSON.parse(text);
			if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "config must be a JSON object";
			config = parsed as Record<string, unknown>;
		} catch {
			return "config must be a JSON object";
		}
	} else if (method === runs.method) config = runs.config;
	return { method, mix: url.searchParams.get("mix") ?? (method === "mix" ? runs.mix : null), config };
};

/** A running dashboard. */
export interface Dashboard {
	readonly url: string;
	readonly port: number;
	readonly stop: () => Promise<void>;
}

/** Start serving; refuses an address that is not loopback when no token is given. */
export const startDashboard = (options: DashboardOptions): Effect.Effect<Dashboard, DashboardError> =>
	Effect.try({
		try: () => {
			const host = options.host ?? "127.0.0.1";
			if (!isLoopback(host) && (options.token === undefined || options.token.length < 16))
				throw new DashboardError({
					message: `refusing to bind ${host} without a token of at least 16 characters (loopback needs none)`,
				});
			const server = Bun.serve({ hostname: host, port: options.port ?? 0, fetch: makeHandler(options) });
			const shown = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
			return {
				url: `http://${shown}:${server.port}/`,
				port: server.port ?? 0,
				stop: () => server.stop(true),
			};
		},
		catch: (e) =>
			e instanceof DashboardError
				? e
				: new DashboardError({
						message: `cannot serve on ${options.host ?? "127.0.0.1"}:${options.port ?? 0}: ${String(e)}`,
					}),
	});
