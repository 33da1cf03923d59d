import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { Layer } from "effect";
import { envServerLayer } from "../src/env-server/server.ts";
import { EnvironmentsLive } from "../src/plugins.ts";
import { startServer } from "./servers.ts";

let server: Awaited<ReturnType<typeof startServer>>;

const start = (options: { readonly idleSeconds?: number; readonly maxSessions?: number; readonly apiKey?: string }) =>
	startServer(envServerLayer({ host: "127.0.0.1", port: 0, ...options }).pipe(Layer.provide(EnvironmentsLive)));

beforeAll(async () => {
	server = await start({});
});
afterAll(() => server.stop());

const call = async (method: string, path: string, body?: unknown, url = server.url, headers = {}) => {
	const r = await fetch(`${url}${path}`, {
		method,
		...(body !== undefined ? { body: JSON.stringify(body) } : {}),
		headers: { "content-type": "application/json", ...headers },
	});
	return { status: r.status, body: (await r.json().catch(() => null)) as Record<string, unknown> };
};

const hasPython = spawnSync("python3", ["--version"]).status === 0;

describe("stepwise env-server", () => {
	test("a session plays the expert's actions to a win, with admissible actions and state keys", async () => {
		const specs = await call("GET", "/v1/envs");
		expect((specs.body as unknown as Array<{ id: string }>).map((s) => s.id)).toContain("sokoban/6x6-1box-v0");
		const { body: created } = await call("POST", "/v1/sessions", { spec: "sokoban/6x6-1box-v0" });
		const id = created.session as string;
		const reset = await call("POST", `/v1/sessions/${id}/reset`, { seed: 1, index: 2 });
		expect(reset.status).toBe(200);
		expect(reset.body.observation).toBeString();
		const keys = [reset.body.stateKey];
		let last: Record<string, unknown> = {};
		for (let i = 0; i < 50; i++) {
			const { body } = await call("GET", `/v1/sessions/${id}/expert`);
			if (body.action === null) break;
			last = (await call("POST", `/v1/sessions/${id}/step`, { action: body.action })).body;
			keys.push((await call("GET", `/v1/sessions/${id}/state-key`)).body.stateKey);
			expect(keys.at(-1)).toBe(last.stateKey);
			if (last.done) break;
		}
		expect(last.won).toBe(true);
		expect(new Set(keys).size).toBeGreaterThan(1);
		const over = await call("POST", `/v1/sessions/${id}/step`, { action: "up" });
		expect(over.status).toBe(400);
		expect((await call("DELETE", `/v1/sessions/${id}`)).body).toEqual({ closed: true });
		expect((await call("GET", `/v1/sessions/${id}/admissible`)).status).toBe(404);
	});

	test("ALFWorld sessions list admissible actions; many sessions at once", async () => {
		const ids = await Promise.all(
			[0, 1, 2].map(
				async () => (await call("POST", "/v1/sessions", { spec: "alfworld/legacy-v0" })).body.session as string,
			),
		);
		expect(new Set(ids).size).toBe(3);
		const resets = await Promise.all(ids.map((id, i) => call("POST", `/v1/sessions/${id}/reset`, { index: i })));
		expect(resets.every((r) => Array.isArray(r.body.admissibleActions))).toBe(true);
		const admissible = await call("GET", `/v1/sessions/${ids[0]}/admissible`);
		expect(admissible.body.actions).toEqual(resets[0]?.body.admissibleActions);
	});

	test("bad requests are typed errors: unknown spec, unknown session, step before reset, bad split, bad body", async () => {
		expect((await call("POST", "/v1/sessions", { spec: "nope/x-v0" })).body._tag).toBe("EnvRequestError");
		expect((await call("POST", "/v1/sessions/none/step", { action: "up" })).status).toBe(404);
		const { body } = await call("POST", "/v1/sessions", { spec: "sokoban/6x6-1box-v0" });
		const id = body.session as string;
		expect((await call("POST", `/v1/sessions/${id}/step`, { action: "up" })).status).toBe(400);
		expect((await call("POST", `/v1/sessions/${id}/reset`, { split: "nope" })).body.message).toContain("no split");
		const field = await call("POST", `/v1/sessions/${id}/step`, { act: 1 });
		expect(field.status).toBe(400);
		expect(field.body._tag).toBe("EnvRequestError");
		expect(field.body.message).toContain("action");
		const malformed = await fetch(`${server.url}/v1/sessions/${id}/step`, {
			method: "POST",
			body: "{oops",
			headers: { "content-type": "application/json" },
		});
		expect(malformed.status).toBe(400);
		expect(((await malformed.json()) as { _tag: string })._tag).toBe("EnvRequestError");
		expect((await call("POST", `/v1/sessions/${id}/reset`, {})).status).toBe(200);
	});

	test("idle sessions expire; the session limit and the API key hold", async () => {
		const small = await start({ idleSeconds: 0.05, maxSessions: 2, apiKey: "k" });
		try {
			const auth = { authorization: "Bearer k" };
			expect((await call("GET", "/v1/envs", undefined, small.url)).status).toBe(401);
			const open = () => call("POST", "/v1/sessions", { spec: "sokoban/6x6-1box-v0" }, small.url, auth);
			const first = await open();
			await open();
			expect((await open()).status).toBe(429);
			await new Promise((r) => setTimeout(r, 120));
			expect((await call("POST", `/v1/sessions/${first.body.session}/reset`, {}, small.url, auth)).status).toBe(404);
			expect((await open()).status).toBe(200);
		} finally {
			await small.stop();
		}
	});

	test("GET /openapi.json documents every endpoint", async () => {
		const { body } = await call("GET", "/openapi.json");
		expect(Object.keys(body.paths as object).sort()).toEqual([
			"/v1/envs",
			"/v1/sessions",
			"/v1/sessions/{id}",
			"/v1/sessions/{id}/admissible",
			"/v1/sessions/{id}/expert",
			"/v1/sessions/{id}/reset",
			"/v1/sessions/{id}/state-key",
			"/v1/sessions/{id}/step",
		]);
	});

	test.skipIf(!hasPython)(
		"the Python example (standard library) plays an ALFWorld episode with the expert and wins",
		async () => {
			const script = new URL("../../../examples/env_client.py", import.meta.url).pathname;
			const child = Bun.spawn(["python3", script, "--url", server.url, "--spec", "alfworld/legacy-v0", "--quiet"], {
				stdout: "pipe",
				stderr: "pipe",
			});
			const [out, err, code] = await Promise.all([
				new Response(child.stdout).text(),
				new Response(child.stderr).text(),
				child.exited,
			]);
			expect(err).toBe("");
			expect(code).toBe(0);
			const result = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as { won: boolean; steps: number };
			expect(result.won).toBe(true);
			expect(result.steps).toBeGreaterThan(0);
		},
	);
});

if (!hasPython) console.log("env-server: python3 not found, the Python example's test is skipped");
