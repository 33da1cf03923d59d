import { describe, expect, test } from "bun:test";
import { Effect } from "effect";
import { defaultConfig } from "../src/config/schema.ts";
import { runCli } from "../src/main.ts";

const help = async (args: string[]): Promise<string> => {
	const lines: string[] = [];
	const log = console.log;
	console.log = (...parts: unknown[]) => {
		lines.push(parts.map(String).join(" "));
	};
	try {
		await Effect.runPromise(runCli([...args, "--help"]));
	} finally {
		console.log = log;
	}
	return lines.join("\n");
};

const commands = [
	[],
	["envs"],
	["pipeline"],
	["sft"],
	["explore"],
	["progress"],
	["progress", "train"],
	["progress", "annotate"],
	["train"],
	["eval"],
	["credit"],
	["summary"],
];

describe("--help", () => {
	test.each(commands.map((c) => [c.join(" ") || "stepwise", c] as const))(
		"%s has a description and examples",
		async (_, c) => {
			const text = await help(c);
			expect(text).toContain("DESCRIPTION");
			expect(text).toContain("EXAMPLES");
			expect(text).toContain("stepwise");
		},
	);

	test("training commands document the shared flags and key=value overrides", async () => {
		for (const c of ["pipeline", "sft", "explore", "train", "eval"]) {
			const text = await help([c]);
			for (const flag of ["--config", "--backend", "--resume", "--run-dir", "key=value"]) expect(text).toContain(flag);
		}
	});

	test("pipeline --help names the Schema's default method as the default, and no other", async () => {
		const text = await help(["pipeline"]);
		const names: Record<string, string> = { gigpo: "GiGPO", spa: "SPA", grpo: "GRPO", rloo: "RLOO" };
		const expected = names[defaultConfig.method.name] ?? defaultConfig.method.name;
		const line = text.split("\n").find((l) => l.includes("the default:")) ?? "";
		expect(line).toContain(expected);
		for (const other of Object.values(names)) if (other !== expected) expect(line).not.toContain(other);
	});
});
