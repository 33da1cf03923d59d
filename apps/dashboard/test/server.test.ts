import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { Effect, Schema } from "effect";
import { CreditResponse, EvalsResponse, GroupsResponse, MetricsResponse, RunsResponse } from "../src/api.ts";
import type { Assets } from "../src/build.ts";
import { type Dashboard, DashboardError, makeHandler, startDashboard } from "../src/server.ts";
import {
	expected,
	makeFixtureRuns,
	REAL_RUN,
	removeFixtureRuns,
	SEED1_RUN,
	WORKED_DUMP,
	WORKED_GROUP,
} from "./fixtures.ts";

// the API does not need the built page: a stand-in index keeps these tests free of the bundler
const assets: Assets = {
	files: new Map([["index.html", { body: new TextEncoder().encode("<!doctype html>"), type: "text/html" }]]),
	ms: 0,
};

let runsDir: string;
let dashboard: Dashboard;
let snapshot: string[];

/** Every file and directory of the runs directory with its size and mtime (what "read-only" keeps). */
const listing = (dir: string): string[] =>
	readdirSync(dir, { recursive: true, encoding: "utf8" })
		.map((p) => {
			const st = statSync(join(dir, p));
			return `${relative(dir, join(dir, p))} ${st.isDirectory() ? "dir" : st.size} ${st.mtimeMs}`;
		})
		.sort();

const api = async <S extends Schema.ConstraintDecoder<unknown>>(schema: S, path: string): Promise<S["Type"]> => {
	const res = await fetch(new URL(path, dashboard.url));
	expect(res.status).toBe(200);
	return Schema.decodeUnknownPromise(schema)(await res.json());
};

/** Send a request line as written (fetch would normalise `..` away). */
const raw = (port: number, target: string, headers = ""): Promise<{ status: number; body: string }> =>
	new Promise((resolve, reject) => {
		const chunks: string[] = [];
		Bun.connect({
			hostname: "127.0.0.1",
			port,
			socket: {
				open: (s) => {
					s.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers}Connection: close\r\n\r\n`);
				},
				data: (_s, d) => {
					chunks.push(new TextDecoder().decode(d));
				},
				close: () => {
					const text = chunks.join("");
					resolve({ status: Number(text.split(" ")[1]), body: text.split("\r\n\r\n").slice(1).join("") });
				},
				error: (_s, e) => reject(e),
			},
		}).catch(reject);
	});

const close = (actual: number | null | undefined, want: number) =>
	expect(Math.abs((actual ?? Number.NaN) - want)).toBeLessThan(1e-4);

beforeAll(async () => {
	runsDir = makeFixtureRuns();
	snapshot = listing(runsDir);
	dashboard = await Effect.runPromise(startDashboard({ runsDir, assets }));
});

afterAll(async () => {
	await dashboard.stop();
	removeFixtureRuns();
});

describe("runs", () => {
	test("the table lists the fixture runs with what their files say", async () => {
		const { runs } = await api(RunsResponse, "/api/runs");
		expect(runs.map((r) => r.name)).toEqual([REAL_RUN, SEED1_RUN]);
		const real = runs[0];
		expect(real).toMatchObject({
			env: "sokoban/6x6-1box-v0",
			method: "grpo",
			seed: 0,
			stage: "eval",
			iteration: 4,
			iterations: 4,
			lastSuccess: 0,
			status: "finished",
			trajectories: 1,
			evaluations: 2,
			start: 1796618649000,
		});
		expect(runs[1]).toMatchObject({ seed: 1, stage: "eval", lastSuccess: 0.5, status: "finished", evaluations: 1 });
	});

	test("an unfinished run is running while written to and failed once it stops", async () => {
		const dir = join(runsDir, "sokoban-6x6-1box-v0__gigpo__2__1796618800");
		mkdirSync(dir);
		writeFileSync(join(dir, "config.yaml"), "seed: 2\nmethod: { name: gigpo }\ntrain: { iterations: 10 }\n");
		writeFileSync(join(dir, "metrics.jsonl"), `${JSON.stringify({ iteration: 1, "charts/success": 0.25 })}\n`);
		const handler = makeHandler({ runsDir, assets, staleMs: 60_000 });
		const status = async () => {
			const res = await handler(new Request("http://127.0.0.1/api/runs"));
			const { runs } = Schema.decodeUnknownSync(RunsResponse)(await res.json());
			return runs.find((r) => r.name.endsWith("__2__1796618800"));
		};
		expect(await status()).toMatchObject({
			status: "running",
			iteration: 1,
			iterations: 10,
			method: "gigpo",
			stage: "rl",
		});
		const old = (Date.now() - 120_000) / 1000;
		for (const p of [dir, join(dir, "config.yaml"), join(dir, "metrics.jsonl")]) utimesSync(p, old, old);
		expect((await status())?.status).toBe("failed");
		// a one-stage run is finished once its output exists
		const sft = join(runsDir, "sokoban-6x6-1box-v0__sft__4__1796618850");
		mkdirSync(join(sft, "sft"), { recursive: true });
		writeFileSync(join(sft, "sft", "sft.json"), "{}");
		utimesSync(sft, old, old);
		const { runs } = Schema.decodeUnknownSync(RunsResponse)(
			await (await handler(new Request("http://127.0.0.1/api/runs"))).json(),
		);
		expect(runs.find((r) => r.name.endsWith("__sft__4__1796618850"))).toMatchObject({
			stage: "sft",
			status: "finished",
		});
	});

	test("a growing metrics.jsonl is followed: new rows show up, a torn last line waits", async () => {
		const dir = join(runsDir, "sokoban-6x6-1box-v0__rloo__3__1796618900");
		mkdirSync(dir);
		const path = join(dir, "metrics.jsonl");
		writeFileSync(path, `${JSON.stringify({ iteration: 1, "charts/success": 0.1 })}\n`);
		const series = async () =>
			(await api(MetricsResponse, `/api/metrics?run=${dir.split("/").at(-1)}&key=charts/success`)).series[0];
		expect((await series())?.y).toEqual([0.1]);
		appendFileSync(path, `${JSON.stringify({ iteration: 2, "charts/success": 0.2 })}\n{"iteration":3,"charts/succ`);
		expect((await series())?.x).toEqual([1, 2]);
		appendFileSync(path, `ess":0.3}\n`);
		expect((await series())?.y).toEqual([0.1, 0.2, 0.3]);
		const { runs } = await api(RunsResponse, "/api/runs");
		expect(runs.find((r) => r.name === dir.split("/").at(-1))).toMatchObject({ iteration: 3, lastSuccess: 0.3 });
	});
});

describe("metrics", () => {
	test("series of one key for several runs, and the union of keys with SFT's", async () => {
		const { series } = await api(MetricsResponse, `/api/metrics?run=${REAL_RUN}&run=${SEED1_RUN}&key=charts/success`);
		expect(series.map((s) => [s.run, s.x])).toEqual([
			[REAL_RUN, [1, 2, 3, 4]],
			[SEED1_RUN, [1, 2, 3, 4]],
		]);
		expect(series[1]?.y).toEqual([0.125, 0.25, 0.375, 0.5]);
		const evalOnly = await api(MetricsResponse, `/api/metrics?run=${REAL_RUN}&key=eval/success`);
		expect(evalOnly.series[0]?.x).toEqual([2, 4]);
		const keys = (await (await fetch(new URL(`/api/keys?run=${REAL_RUN}`, dashboard.url))).json()) as {
			keys: string[];
		};
		expect(keys.keys).toContain("losses/kl");
		expect(keys.keys).toContain("sft/train_loss");
	});
});

describe("trajectories and credit", () => {
	const base = () => `/api/runs/${REAL_RUN}/dumps/${WORKED_DUMP}`;
	const advantages = (c: CreditResponse) =>
		Object.fromEntries(c.episodes.map((e) => [e.id, e.steps.map((s) => s.advantage)]));

	test("the groups of a dump", async () => {
		const { groups } = await api(GroupsResponse, `${base()}/groups`);
		expect(groups).toEqual([{ groupId: WORKED_GROUP, taskId: "train/0/1", taskType: null, episodes: 4, won: 2 }]);
	});

	test("the worked example under the run's method (GRPO), then GiGPO and a mix (docs/credit/gigpo.md)", async () => {
		const own = await api(CreditResponse, `${base()}/credit?group=${WORKED_GROUP}`);
		expect(own.method).toBe("grpo");
		expect(own.error).toBeNull();
		for (const [id, want] of Object.entries(expected.grpo))
			want.forEach((w, t) => {
				close(advantages(own)[id]?.[t], w);
			});
		const gigpo = await api(CreditResponse, `${base()}/credit?group=${WORKED_GROUP}&method=gigpo`);
		for (const [id, want] of Object.entries(expected.gigpo))
			want.forEach((w, t) => {
				close(advantages(gigpo)[id]?.[t], w);
			});
		expect(gigpo.episodes[0]?.steps[2]).toMatchObject({ action: "up", valid: true, reward: 10 });
		// GiGPO's terms and anchor groups (s0 is shared by the 4 first steps, s3 by B2, D1, D2)
		close(gigpo.episodes[0]?.steps[0]?.parts.step, 4.39375);
		close(gigpo.episodes[0]?.steps[0]?.parts.episode, 5.4545);
		expect(gigpo.episodes.map((e) => e.steps.map((s) => `${s.anchor}×${s.anchorSize}`))).toEqual([
			["1×4", "2×2", "3×2"],
			["1×4", "2×2", "4×3"],
			["1×4", "3×2"],
			["1×4", "4×3", "4×3"],
		]);
		const mix = await api(
			CreditResponse,
			`${base()}/credit?group=${WORKED_GROUP}&method=mix&mix=${encodeURIComponent("0.5*gigpo + 0.5*grpo")}`,
		);
		close(advantages(mix).A?.[0], (expected.gigpo.A[0] + expected.grpo.A[0]) / 2);
		const std = await api(
			CreditResponse,
			`${base()}/credit?group=${WORKED_GROUP}&method=gigpo&config=${encodeURIComponent('{"mode":"mean_std_norm"}')}`,
		);
		close(advantages(std).A?.[0], 1.8655);
	});

	test("a method that cannot run on the dump says why; a bad request is refused", async () => {
		const spa = await api(CreditResponse, `${base()}/credit?group=${WORKED_GROUP}&method=spa`);
		expect(spa.error).toMatch(/progress/);
		expect(spa.episodes[0]?.steps[0]?.advantage).toBeNull();
		const bad = await api(
			CreditResponse,
			`${base()}/credit?group=${WORKED_GROUP}&method=gigpo&config=${encodeURIComponent('{"mode":"nope"}')}`,
		);
		expect(bad.error).toMatch(/mode/);
		expect((await fetch(new URL(`${base()}/credit?group=${WORKED_GROUP}&method=magic`, dashboard.url))).status).toBe(
			400,
		);
		expect((await fetch(new URL(`${base()}/credit?group=nope`, dashboard.url))).status).toBe(404);
		expect((await fetch(new URL(`/api/runs/${REAL_RUN}/dumps/other.jsonl/groups`, dashboard.url))).status).toBe(404);
	});
});

describe("evaluations", () => {
	test("results.md and the SFT and RL reports", async () => {
		const ev = await api(EvalsResponse, `/api/runs/${REAL_RUN}/evals`);
		expect(ev.results).toContain("| SFT    |");
		expect(ev.results).toContain("Paired over the same 8 tasks");
		expect(ev.reports.map((r) => r.file)).toEqual(["eval-sft.json", "eval-rl.json"]);
		expect(ev.reports[0]?.report.perSeed[0]?.outcomes).toBe("0000");
		expect(ev.errors).toEqual([]);
	});
});

describe("security", () => {
	test("path traversal in the path or the query is refused", async () => {
		const port = dashboard.port;
		for (const target of [
			`/api/runs/..%2F..%2Fetc/evals`,
			`/api/runs/${REAL_RUN}/dumps/..%2F..%2F${REAL_RUN}%2Fconfig.yaml/groups`,
			`/api/metrics?run=../../etc&key=x`,
			`/api/keys?run=..%2F..`,
			`/assets/..%2f..%2fpackage.json`,
			`/api/runs/${REAL_RUN}/dumps/${WORKED_DUMP}/credit?group=${WORKED_GROUP}&mix=..\\..\\x`,
		]) {
			const res = await raw(port, target);
			expect([target, res.status]).toEqual([target, 400]);
			expect(res.body).toContain("path traversal refused");
		}
		// a literal `../` (or `%2e%2e`) is resolved before the server sees it: it lands on a path the server does not serve
		for (const target of ["/api/runs/../../../../etc/passwd", "/assets/%2e%2e/%2e%2e/package.json"]) {
			const res = await raw(port, target);
			expect([target, res.status]).toEqual([target, 404]);
			expect(res.body).not.toContain("root:");
		}
	});

	test("only GET, and only under a loopback name when bound to loopback", async () => {
		expect((await fetch(new URL("/api/runs", dashboard.url), { method: "POST" })).status).toBe(405);
		expect((await raw(dashboard.port, "/api/runs")).status).toBe(200);
		const rebound = await fetch(new URL("/api/runs", dashboard.url), { headers: { host: "evil.example" } });
		expect(rebound.status).toBe(403);
	});

	test("binding other than loopback without a token is refused", async () => {
		const exit = await Effect.runPromiseExit(startDashboard({ runsDir, assets, host: "0.0.0.0" }));
		expect(exit._tag).toBe("Failure");
		const err = exit._tag === "Failure" ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined;
		expect(err).toBeInstanceOf(DashboardError);
		expect(String(err?.message)).toContain("refusing to bind 0.0.0.0 without a token");
	});

	test("bound elsewhere, every request needs the token (header, cookie, or ?token= once)", async () => {
		const token = "t0k3n-for-the-test-0123456789";
		const open = await Effect.runPromise(startDashboard({ runsDir, assets, host: "0.0.0.0", token }));
		try {
			const url = (p: string) => `http://127.0.0.1:${open.port}${p}`;
			expect((await fetch(url("/api/runs"))).status).toBe(401);
			expect((await fetch(url("/"))).status).toBe(401);
			expect(
				(await fetch(url("/api/runs"), { headers: { authorization: "Bearer wrong-token-0123456789abc" } })).status,
			).toBe(401);
			expect((await fetch(url("/api/runs"), { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
			expect((await fetch(url("/api/runs"), { headers: { cookie: `stepwise_token=${token}` } })).status).toBe(200);
			const first = await fetch(url(`/?token=${token}`), { redirect: "manual" });
			expect(first.status).toBe(303);
			expect(first.headers.get("set-cookie")).toContain(`stepwise_token=${token}; HttpOnly; SameSite=Strict`);
		} finally {
			await open.stop();
		}
	});

	test("nothing in the runs directory was written", () => {
		// the runs added by the tests above are new directories; the fixture runs are untouched
		const now = listing(runsDir).filter((l) => l.startsWith(REAL_RUN) || l.startsWith(SEED1_RUN));
		expect(now).toEqual(snapshot);
	});
});
