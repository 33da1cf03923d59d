import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { makeFixtureRuns, REAL_RUN, removeFixtureRuns } from "./fixtures.ts";

const repo = join(import.meta.dir, "..", "..", "..");
const children: Bun.Subprocess[] = [];
afterAll(async () => {
	for (const c of children) c.kill();
	await Promise.all(children.map((c) => c.exited));
	removeFixtureRuns();
});

/** Read a stream until `pattern` matches; returns the text so far. */
const readUntil = async (stream: ReadableStream<Uint8Array>, pattern: RegExp, ms: number): Promise<string> => {
	const reader = stream.getReader();
	const decoder = new TextDecoder();
	let text = "";
	const deadline = Date.now() + ms;
	while (!pattern.test(text) && Date.now() < deadline) {
		const { value, done } = await Promise.race([
			reader.read(),
			Bun.sleep(deadline - Date.now()).then(() => ({ value: undefined, done: true })),
		]);
		if (done) break;
		text += decoder.decode(value);
	}
	reader.releaseLock();
	return text;
};

test("`stepwise dashboard` builds the page, serves the runs and loads no TensorFlow.js", async () => {
	const runs = makeFixtureRuns();
	const child = Bun.spawn(
		[
			process.execPath,
			"--preload",
			join(import.meta.dir, "loaded-modules.ts"),
			"apps/runner/src/main.ts",
			"dashboard",
			"--runs",
			runs,
		],
		{ cwd: repo, stdout: "pipe", stderr: "pipe" },
	);
	children.push(child);
	const out = await readUntil(child.stdout, /Ctrl-C stops it/, 30_000);
	const url = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)\n/.exec(out)?.[1];
	expect(url, out).toBeDefined();
	const page = await fetch(url as string);
	expect(await page.text()).toContain('<script type="module" src="/assets/app.js">');
	const script = await fetch(new URL("/assets/app.js", url));
	expect(script.status).toBe(200);
	expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
	const list = (await (await fetch(new URL("/api/runs", url))).json()) as { runs: { name: string }[] };
	expect(list.runs.map((r) => r.name)).toContain(REAL_RUN);
	child.kill("SIGINT");
	await child.exited;
	const err = await new Response(child.stderr).text();
	expect(err).toMatch(/loaded modules: \d+, tensorflow: 0\b/);
});

test("`stepwise dashboard --host 0.0.0.0` prints a token and refuses requests without it", async () => {
	const child = Bun.spawn(
		[process.execPath, "apps/runner/src/main.ts", "dashboard", "--runs", makeFixtureRuns(), "--host", "0.0.0.0"],
		{
			cwd: repo,
			stdout: "pipe",
			stderr: "pipe",
		},
	);
	children.push(child);
	const out = await readUntil(child.stdout, /Ctrl-C stops it/, 30_000);
	const [, port, token] = /http:\/\/0\.0\.0\.0:(\d+)\/\?token=([\w-]+)/.exec(out) ?? [];
	expect(token?.length, out).toBeGreaterThanOrEqual(32);
	expect((await fetch(`http://127.0.0.1:${port}/api/runs`)).status).toBe(401);
	expect(
		(await fetch(`http://127.0.0.1:${port}/api/runs`, { headers: { authorization: `Bearer ${token}` } })).status,
	).toBe(200);
	child.kill("SIGINT");
	await child.exited;
});
