import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { configDocsPath, configKeyDocs, configurationMarkdown } from "../scripts/config-docs.ts";
import { defaultConfig } from "../src/config/schema.ts";

/** Dotted keys of the leaves of a config value (records such as `env.options` count as leaves). */
const leaves = (v: unknown, prefix = ""): string[] =>
	typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length > 0
		? Object.entries(v).flatMap(([k, x]) => leaves(x, `${prefix}${k}.`))
		: [prefix.slice(0, -1)];

describe("docs/configuration.md", () => {
	test("is the page generated from the Schema (regenerate: cd apps/runner && bun scripts/config-docs.ts)", () => {
		expect(readFileSync(configDocsPath, "utf8")).toBe(configurationMarkdown());
	});

	test("documents every key of the defaults, each with a description, and no other key", () => {
		const docs = configKeyDocs();
		expect(
			docs
				.filter((d) => !d.optional)
				.map((d) => d.key)
				.sort(),
		).toEqual(leaves(defaultConfig).sort());
		expect(docs.filter((d) => d.description === "").map((d) => d.key)).toEqual([]);
	});

	test("its defaults are the Schema's: every row's default is the value of defaultConfig", () => {
		const page = readFileSync(configDocsPath, "utf8");
		for (const key of leaves(defaultConfig)) {
			let v: unknown = defaultConfig;
			for (const part of key.split(".")) v = (v as Record<string, unknown>)[part];
			const row = page.split("\n").find((l) => l.startsWith(`| \`${key}\` | `));
			expect(row).toBeDefined();
			expect(row).toContain(`| \`${JSON.stringify(v)}\` |`);
		}
	});
});
