import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { parse } from "yaml";
import { runCli } from "../src/main.ts";
import { collectLog } from "../src/services.ts";
import { readEvalReport } from "../src/stages/evaluate.ts";

const configs = join(import.meta.dir, "..", "configs");
const dir = mkdtempSync(join(tmpdir(), "stepwise-ckpt-env-"));

/** Run the CLI, collecting the lines the stages print. */
const cli = async (args: ReadonlyArray<string>): Promise<string[]> => {
	const log = collectLog();
	await Effect.runPromise(runCli(args).pipe(Effect.provide(log.layer)));
	return log.lines;
};

describe("a checkpoint records its env", () => {
	test("SFT records spec, options, prompt style and answer length; eval without env.spec plays it; another spec warns; an old checkpoint warns", async () => {
		const sft = join(dir, "sft-run");
		await cli([
			"sft",
			"--backend",
			"wasm",
			"--config",
			join(configs, "tiny.yaml"),
			"--run-dir",
			sft,
			"env.spec=virtualhome/compact-v0",
			"rollout.maxNewTokens=12",
			"model.contextLength=96",
		]);
		const ckpt = join(sft, "sft");
		const recorded = JSON.parse(readFileSync(join(ckpt, "config.json"), "utf8"));
		expect(recorded.env).toEqual({
			spec: "virtualhome/compact-v0",
			options: {},
			promptStyle: "compact",
			maxNewTokens: 12,
		});

		const lines = await cli([
			"eval",
			"--backend",
			"wasm",
			"--run-dir",
			join(dir, "eval"),
			"--policy",
			ckpt,
			"eval.tasks=2",
			"eval.seeds=[0]",
		]);
		const report = await Effect.runPromise(readEvalReport(join(dir, "eval", "eval.json")));
		expect(report.spec).toBe("virtualhome/compact-v0");
		expect(report.truncatedPrompts).toBeDefined();
		const saved = parse(readFileSync(join(dir, "eval", "config.yaml"), "utf8"));
		expect([saved.rollout.maxNewTokens, saved.model.contextLength, saved.env.promptStyle]).toEqual([12, 96, "compact"]);
		expect(lines.some((l) => l.includes("as recorded with the policy"))).toBe(true);

		const other = await cli([
			"eval",
			"--backend",
			"wasm",
			"--run-dir",
			join(dir, "other"),
			"--policy",
			ckpt,
			"env.spec=virtualhome/verl-v0",
			"eval.tasks=1",
			"eval.seeds=[0]",
		]);
		expect(
			other.some((l) =>
				l.startsWith(`warning: ${ckpt} was trained on virtualhome/compact-v0, not on env.spec virtualhome/verl-v0`),
			),
		).toBe(true);
		expect((await Effect.runPromise(readEvalReport(join(dir, "other", "eval.json")))).spec).toBe("virtualhome/verl-v0");

		// a checkpoint from before: no env in config.json
		const { env: _, ...old } = recorded;
		writeFileSync(join(ckpt, "config.json"), `${JSON.stringify(old, null, 2)}\n`);
		const legacy = await cli([
			"eval",
			"--backend",
			"wasm",
			"--run-dir",
			join(dir, "old"),
			"--policy",
			ckpt,
			"eval.tasks=1",
			"eval.seeds=[0]",
		]);
		expect(legacy.some((l) => l.includes("records no env spec") && l.includes("sokoban/6x6-1box-v0"))).toBe(true);
		expect((await Effect.runPromise(readEvalReport(join(dir, "old", "eval.json")))).spec).toBe("sokoban/6x6-1box-v0");
	}, 120_000);
});
