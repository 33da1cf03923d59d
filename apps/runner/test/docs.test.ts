/**
 * The documentation stays true: the runnable shell blocks of docs/getting-started.md run, the
 * TypeScript example of docs/api.md prints what the page says, the credit pages' defaults tables are
 * the methods' defaults, and every relative link of the README and docs/ points at a file.
 */
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { creditMethods, type MethodName } from "@stepwise/rewards";

const root = resolve(import.meta.dir, "../../..");
const docs = join(root, "docs");
const read = (path: string) => readFileSync(path, "utf8");

/** Fenced blocks of a markdown text: the info string and the body. */
const blocks = (text: string): { info: string; body: string }[] =>
	[...text.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({ info: (m[1] ?? "").trim(), body: m[2] ?? "" }));

const bunDir = dirname(process.execPath);
const env = { ...process.env, PATH: `${bunDir}:${process.env.PATH ?? ""}`, STEPWISE_BACKEND: "wasm" };

describe("docs/getting-started.md", () => {
	test("every block marked runnable runs, in order, in a fresh directory; the first run prints the documented table", () => {
		const page = read(join(docs, "getting-started.md"));
		const all = blocks(page);
		const runnable = all.filter((b) => b.info === "bash runnable");
		expect(runnable.length).toBeGreaterThanOrEqual(5);
		// a working directory where `bun stepwise` is this checkout's CLI and `apps/…` paths resolve
		const dir = mkdtempSync(join(tmpdir(), "stepwise-getting-started-"));
		try {
			writeFileSync(
				join(dir, "package.json"),
				JSON.stringify({ private: true, scripts: { stepwise: `bun ${join(root, "apps/runner/src/main.ts")}` } }),
			);
			symlinkSync(join(root, "apps"), join(dir, "apps"));
			const outputs: string[] = [];
			for (const b of runnable) {
				const r = spawnSync("bash", ["-euo", "pipefail", "-c", b.body], { cwd: dir, env, encoding: "utf8" });
				const out = `${r.stdout}${r.stderr}`;
				if (r.status !== 0) throw new Error(`block failed (exit ${r.status}):\n${b.body}\n${out.slice(-2000)}`);
				outputs.push(out);
			}
			// the plain block right after the tiny pipeline's is its expected ending
			const at = all.findIndex((b) => b.body.includes("pipeline --config apps/runner/configs/tiny.yaml"));
			const expected = all[at + 1];
			expect(expected?.info).toBe("");
			// the README shows the same first run and the same ending
			const readme = read(join(root, "README.md"));
			expect(readme).toContain(all[at]?.body ?? "");
			expect(readme).toContain(expected?.body ?? "");
			const pipelineOut = outputs[runnable.findIndex((b) => b.body.includes("tiny.yaml"))] ?? "";
			for (const line of (expected?.body ?? "").trim().split("\n"))
				expect(pipelineOut.replace(/\(\d+\.\d min\)/g, "(T min)")).toContain(
					line.replace(/\(\d+\.\d min\)/g, "(T min)"),
				);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	}, 240_000);
});

describe("docs/api.md", () => {
	test("the TypeScript example runs and prints the documented output", () => {
		const page = read(join(docs, "api.md"));
		const all = blocks(page);
		const example = all.filter((b) => b.info === "ts");
		expect(example).toHaveLength(1);
		const output = all[all.findIndex((b) => b.info === "ts") + 1];
		// inside apps/runner, so that the workspace packages resolve
		const dir = mkdtempSync(join(root, "apps/runner/.docs-example-"));
		try {
			const file = join(dir, "example.ts");
			writeFileSync(file, example[0]?.body ?? "");
			const r = spawnSync(process.execPath, [file], { cwd: dir, env, encoding: "utf8" });
			if (r.status !== 0) throw new Error(`the example failed:\n${r.stderr}`);
			expect(r.stdout.trim()).toBe((output?.body ?? "").trim());
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	}, 60_000);
});

describe("docs/credit/", () => {
	const pages: Record<MethodName, string> = {
		grpo: "grpo.md",
		rloo: "rloo.md",
		gigpo: "gigpo.md",
		rewardflow: "rewardflow.md",
		spa: "spa.md",
		gae: "gae.md",
	};
	for (const [method, page] of Object.entries(pages) as [MethodName, string][])
		test(`${page}: the options table lists ${method}'s options with its defaults`, () => {
			const rows = [...read(join(docs, "credit", page)).matchAll(/^\|\s*`(\w+)`\s*\|\s*`([^`]*)`\s*\|/gm)];
			const documented = Object.fromEntries(rows.map((m) => [m[1], JSON.parse(m[2] ?? "null")]));
			expect(documented).toEqual({ ...creditMethods[method].defaults });
		});
});

/** Markdown files of the README and docs/ (not the generated configuration page's anchors). */
const markdownFiles = (): string[] => {
	const out = [join(root, "README.md")];
	const walk = (d: string) => {
		for (const e of readdirSync(d, { withFileTypes: true }))
			if (e.isDirectory()) walk(join(d, e.name));
			else if (e.name.endsWith(".md")) out.push(join(d, e.name));
	};
	walk(docs);
	return out;
};

describe("links", () => {
	test("every relative link of the README and docs/ points at a file or folder of the repository", () => {
		const broken: string[] = [];
		for (const file of markdownFiles()) {
			const text = read(file).replace(/^```[\s\S]*?^```$/gm, "");
			for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
				const target = m[1] ?? "";
				if (/^[a-z]+:/.test(target) || target.startsWith("#")) continue;
				const path = resolve(dirname(file), target.split("#")[0] ?? "");
				if (!existsSync(path)) broken.push(`${file.slice(root.length + 1)}: ${target}`);
			}
		}
		expect(broken).toEqual([]);
	});
});

/** Text files of the repository that can cite a document (sources, scripts, markdown), without dependencies. */
const citingFiles = (): string[] => {
	const out: string[] = [join(root, "README.md")];
	const walk = (d: string) => {
		for (const e of readdirSync(d, { withFileTypes: true })) {
			if (e.name === "node_modules" || e.name.startsWith(".")) continue;
			const p = join(d, e.name);
			if (e.isDirectory()) walk(p);
			else if (/\.(ts|mjs|js|md|sh|ya?ml)$/.test(e.name)) out.push(p);
		}
	};
	for (const d of ["apps", "packages", "plugins", "scripts", "docs"]) walk(join(root, d));
	return out;
};

/** The folder outside the repository that sources used to cite. */
const specsFolder = ["shared", "specs"].join("/");

describe("citations", () => {
	test("no source file cites a document that is not in the repository", () => {
		const files = citingFiles();
		const names = new Set(files.map((f) => f.split("/").at(-1)));
		const missing: string[] = [];
		for (const file of files) {
			const where = file.slice(root.length + 1);
			for (const [i, line] of read(file).split("\n").entries()) {
				// upper-case document names (as a spec file would be called) must be files of the repository
				for (const m of line.matchAll(/(?<![\w/.-])([A-Z][A-Z0-9_-]*\.md)\b/g))
					if (!names.has(m[1])) missing.push(`${where}:${i + 1}: ${m[1]}`);
				// paths into docs/ must exist
				for (const m of line.matchAll(/(?<![\w.-])docs\/[\w./-]*\.md\b/g))
					if (!existsSync(join(root, m[0]))) missing.push(`${where}:${i + 1}: ${m[0]}`);
				if (line.includes(specsFolder)) missing.push(`${where}:${i + 1}: ${specsFolder}`);
			}
		}
		expect(missing).toEqual([]);
	});
});
