import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit } from "effect";
import { parse } from "yaml";
import { explicitKeys } from "../src/config/decode.ts";
import { defaultConfig, type RunConfig, withSpecDefaults } from "../src/config/schema.ts";
import { errorLine, runCli } from "../src/main.ts";

/** Run `stepwise eval --policy expert` (2 tasks, 1 seed) and read the config it saved. */
const savedConfig = async (args: ReadonlyArray<string>): Promise<RunConfig> => {
	const runs = mkdtempSync(join(tmpdir(), "stepwise-spec-defaults-"));
	const exit = await Effect.runPromiseExit(
		runCli(["eval", "--policy", "expert", `runsDir=${runs}`, "eval.tasks=2", "eval.seeds=[0]", ...args]),
	);
	if (Exit.isFailure(exit)) {
		const error = exit.cause.reasons.find((r) => r._tag === "Fail")?.error;
		throw new Error(errorLine(error));
	}
	const [dir] = readdirSync(runs);
	return parse(readFileSync(join(runs, dir as string, "config.yaml"), "utf8")) as RunConfig;
};

describe("env spec defaults", () => {
	test("precedence: a key the run sets, then the spec's default, then the global default", () => {
		const d = { contextLength: 128, maxNewTokens: 16 };
		const none = withSpecDefaults(defaultConfig, d, new Set());
		expect([none.model.contextLength, none.rollout.maxNewTokens]).toEqual([128, 16]);
		const set = withSpecDefaults(
			{ ...defaultConfig, model: { ...defaultConfig.model, contextLength: 300 } },
			d,
			new Set(["model", "model.contextLength"]),
		);
		expect([set.model.contextLength, set.rollout.maxNewTokens]).toEqual([300, 16]);
		expect(withSpecDefaults(defaultConfig, undefined, new Set())).toBe(defaultConfig);
	});

	test("explicit keys are the leaves and sections of the config file and the overrides", () => {
		const dir = mkdtempSync(join(tmpdir(), "stepwise-explicit-"));
		const file = join(dir, "c.yaml");
		writeFileSync(file, "model: { contextLength: 200 }\nseed: 3\n");
		const keys = Effect.runSync(
			explicitKeys({ file, overrides: ["rollout.maxNewTokens=9"], extra: { eval: { tasks: 1 } } }),
		);
		expect([...keys].sort()).toEqual(
			["eval", "eval.tasks", "model", "model.contextLength", "rollout", "rollout.maxNewTokens", "seed"].sort(),
		);
	});

	test("Sokoban keeps 80 / 4 and its compact prompts (the main job's config)", async () => {
		const c = await savedConfig([]);
		expect([c.model.contextLength, c.rollout.maxNewTokens, c.env.promptStyle]).toEqual([80, 4, "compact"]);
	});

	test("a spec's defaults fill the keys a run leaves unset; a key=value or config file value wins", async () => {
		const spec = "env.spec=virtualhome/compact-v0";
		const c = await savedConfig([spec]);
		expect([c.model.contextLength, c.rollout.maxNewTokens, c.env.promptStyle]).toEqual([192, 16, "compact"]);
		const o = await savedConfig([spec, "model.contextLength=200"]);
		expect([o.model.contextLength, o.rollout.maxNewTokens]).toEqual([200, 16]);
		const dir = mkdtempSync(join(tmpdir(), "stepwise-spec-file-"));
		writeFileSync(join(dir, "c.yaml"), "rollout: { maxNewTokens: 24 }\nenv: { promptStyle: step }\n");
		const f = await savedConfig([spec, "--config", join(dir, "c.yaml")]);
		expect([f.model.contextLength, f.rollout.maxNewTokens, f.env.promptStyle]).toEqual([192, 24, "step"]);
	});

	test("env.promptStyle refuses an unknown style, naming the key", async () => {
		await expect(savedConfig(["env.promptStyle=verbose"])).rejects.toThrow("env.promptStyle");
	});
});

describe("every built-in spec's defaults fit its expert's episodes", () => {
	test("answers fit rollout.maxNewTokens and most prompts fit beside them (20 train tasks each, the spec's style)", async () => {
		const { EnvRegistry } = await import("@stepwise/core");
		const policy = await import("@stepwise/core/policy/index");
		const { EnvironmentsLive } = await import("../src/plugins.ts");
		const rows = await Effect.runPromise(
			Effect.gen(function* () {
				const registry = yield* EnvRegistry;
				const out: Array<{ id: string; answer: number; median: number; defaults: unknown }> = [];
				for (const { spec, plugin } of registry.specs()) {
					const [env] = yield* policy.makeEnvs(plugin, spec, 1);
					const tasks = Array.from({ length: 20 }, (_, index) => ({ seed: 0, split: spec.splits[0] as string, index }));
					const { demos } = policy.collectDemonstrations(env as NonNullable<typeof env>, tasks);
					const tok = policy.buildTokenizer(policy.demonstrationText(demos));
					const prompts = demos.map((d) => policy.encodePrompt(tok, d.prompt).length).sort((a, b) => a - b);
					const answer = Math.max(...demos.map((d) => policy.encodeAnswer(tok, d.target).length));
					out.push({ id: spec.id, answer, median: prompts[prompts.length >> 1] ?? 0, defaults: spec.defaults });
				}
				return out;
			}).pipe(Effect.provide(EnvironmentsLive)),
		);
		expect(rows.length).toBeGreaterThanOrEqual(11);
		for (const r of rows) {
			const d = r.defaults as { contextLength: number; maxNewTokens: number } | undefined;
			expect(d, r.id).toBeDefined();
			if (d === undefined) continue;
			expect(r.answer, r.id).toBeLessThanOrEqual(d.maxNewTokens);
			expect(r.median + d.maxNewTokens, r.id).toBeLessThanOrEqual(d.contextLength);
		}
		expect(rows.find((r) => r.id === "sokoban/6x6-1box-v0")?.defaults).toEqual({ contextLength: 80, maxNewTokens: 4 });
	}, 120_000);
});

describe("SFT's fit warnings", () => {
	test("name the fractions left out and cut, and stay silent when everything fits", async () => {
		const { demonstrationFit } = await import("../src/stages/sft.ts");
		const f = demonstrationFit(991, { dropped: 93, truncated: 400 }, 80);
		expect(f.warnings).toEqual([
			"sft: warning: 93 of 991 expert steps (9.4 %) are left out: their answers do not fit model.contextLength 80",
			"sft: warning: 400 of 991 expert steps (40.4 %) lose the start of their prompt to fit model.contextLength 80",
		]);
		expect(demonstrationFit(848, { dropped: 0, truncated: 0 }, 80).warnings).toEqual([]);
	});
});

describe("long contexts", () => {
	test("a backend out of memory is one line naming the 4 GiB wasm heap and the keys to lower, no stack trace", async () => {
		const { reportCause, ExitCode } = await import("../src/errors.ts");
		const { Cause } = await import("effect");
		for (const defect of [
			new RangeError("Length out of range of buffer"),
			Object.assign(new Error("Out of bounds memory access"), { name: "RuntimeError" }),
		]) {
			const r = reportCause(Cause.die(defect), false);
			expect(r.code).toBe(ExitCode.failure);
			expect(r.lines).toHaveLength(1);
			expect(r.lines[0]).toStartWith("error: OutOfMemoryError: the compute backend ran out of memory");
			expect(r.lines[0]).toContain("4 GiB");
			expect(r.lines[0]).toContain("model.contextLength");
		}
		expect(reportCause(Cause.die(new TypeError("x is undefined")), false).lines[0]).toContain("an internal error");
	});

	test("passes at long contexts are cut to the rows the attention budget holds; short contexts never are", async () => {
		const { attentionRows, ATTENTION_BUDGET_BYTES } = await import("@stepwise/core/policy/index");
		const c = { vocabSize: 512, contextLength: 1024, dModel: 64, nLayers: 2, nHeads: 4, dFF: 256 };
		// the main job's passes: SFT micro-batches of 16, rollouts of 64, RL micro-batches of 32, at 80 tokens
		for (const rows of [16, 32, 64]) expect(attentionRows({ ...c, contextLength: 80 }, rows)).toBe(rows);
		expect(attentionRows({ ...c, contextLength: 80 }, 1000)).toBe(873);
		expect(attentionRows(c, 16)).toBe(5);
		expect(attentionRows(c, 16, 512)).toBe(16);
		expect(attentionRows(c, 64, 512)).toBe(21);
		expect(attentionRows(c, 16, 256)).toBe(16);
		expect(attentionRows({ ...c, contextLength: 8192 }, 16)).toBe(1);
		expect(5 * 2 * 4 * 1024 * 1024 * 4 * 6).toBeLessThanOrEqual(ATTENTION_BUDGET_BYTES);
	});
});
