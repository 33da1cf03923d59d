import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { EnvRegistry, loadEnvPlugin, registerEnvEntryPoint, resolveEnvEntryPoint } from "@stepwise/core";
import {
	CreditInputError,
	type CreditMethod,
	groupCount,
	groupRowStart,
	registerCreditMethod,
	type StepRows,
} from "@stepwise/rewards";
import { Effect, Exit, Result, Schema } from "effect";
import { runCli } from "../src/main.ts";
import { EnvironmentsLive } from "../src/plugins.ts";
import { requiresProgress, runTraits } from "../src/stages/credit-fn.ts";
import type { RlSources } from "../src/stages/rl.ts";

/**
 * Extending the runner without editing it: a credit method registered from outside (here, this
 * test) that needs progress estimates, and an environment plugin named by a file path.
 */
const progressGain: CreditMethod<{ readonly scale: number }> = {
	name: "progress-gain",
	description: "test method: a step's advantage is its progress estimate minus its group's mean",
	configSchema: Schema.Struct({ scale: Schema.optionalKey(Schema.Finite) }),
	defaults: { scale: 1 },
	compute: (rows: StepRows, c) => {
		const advantages = new Float64Array(rows.size);
		for (let g = 0; g < groupCount(rows); g++) {
			const a = groupRowStart(rows, g);
			const b = groupRowStart(rows, g + 1);
			let mean = 0;
			for (let i = a; i < b; i++) {
				const p = rows.progress[i] as number;
				if (!Number.isFinite(p))
					throw new CreditInputError({ method: "progress-gain", message: `progress-gain: row ${i} has no progress` });
				mean += p / (b - a);
			}
			for (let i = a; i < b; i++) advantages[i] = c.scale * ((rows.progress[i] as number) - mean);
		}
		return { advantages };
	},
	requires: () => ["progress"],
	trainer: "group",
};
Result.getOrThrow(registerCreditMethod(progressGain));

const root = join(import.meta.dir, "..");
const plugin = join(import.meta.dir, "fixtures", "corridor-plugin.ts");
const dir = mkdtempSync(join(tmpdir(), "stepwise-extend-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const common = ["--config", join(root, "configs", "tiny.yaml"), "--backend", "wasm"];
const cli = (args: string[]) => Effect.runPromise(runCli(args));
const method = (name: string, config: Record<string, unknown> = {}) =>
	({ name, config, mix: "", trainer: "auto" }) as const;

describe("a credit method from outside the runner", () => {
	test("its traits decide the estimator and the trainer; a name taken twice is refused", () => {
		expect(requiresProgress(method("progress-gain"))).toBe(true);
		expect(Result.getOrThrow(runTraits(method("progress-gain"))).ppo).toBe(false);
		expect(Result.getOrThrow(runTraits({ ...method("progress-gain"), trainer: "ppo" })).ppo).toBe(true);
		expect(requiresProgress({ ...method("mix"), mix: "0.5*gigpo + 0.5*grpo" })).toBe(false);
		expect(requiresProgress(method("gigpo"))).toBe(false);
		expect(Result.isFailure(registerCreditMethod(progressGain))).toBe(true);
		expect(Result.isFailure(runTraits(method("progress-gain", { scale: "x" })))).toBe(true);
	});

	test("an unknown method name is a config error naming the key", async () => {
		const exit = await Effect.runPromiseExit(
			runCli(["sft", ...common, "--run-dir", join(dir, "x"), "method.name=nope"]),
		);
		expect(Exit.isFailure(exit)).toBe(true);
		expect(String(exit)).toContain("method.name");
	});
});

describe("an environment plugin named on the command line", () => {
	test("envs --plugin registers it beside the built-in ones; a missing module is one error line", async () => {
		await cli(["envs", "--plugin", plugin, "--spec", "corridor", "--quiet"]);
		const missing = await Effect.runPromiseExit(runCli(["envs", "--plugin", join(dir, "nope.ts"), "--list"]));
		expect(String(missing)).toContain("EnvPluginLoadError");
		const noExport = await Effect.runPromiseExit(runCli(["envs", "--plugin", `${plugin}:nothing`, "--list"]));
		expect(String(noExport)).toContain('exports no "nothing"');
	});

	test("env.plugin=@scope/env-x: an ESM package installed in the project is resolved and registered", async () => {
		const project = join(dir, "project");
		const pkg = join(project, "node_modules", "@scope", "env-x");
		mkdirSync(pkg, { recursive: true });
		writeFileSync(join(project, "package.json"), "{}\n");
		writeFileSync(
			join(pkg, "package.json"),
			JSON.stringify({ name: "@scope/env-x", type: "module", exports: { ".": { import: "./index.ts" } } }),
		);
		writeFileSync(join(pkg, "index.ts"), `export { layer } from ${JSON.stringify(plugin)};\n`);
		const ids = Effect.gen(function* () {
			const entry = yield* loadEnvPlugin("@scope/env-x", project);
			expect(entry.url).toBe(pathToFileURL(join(pkg, "index.ts")).href);
			return (yield* EnvRegistry).specs().map((s) => s.spec.id);
		});
		expect(await Effect.runPromise(Effect.provide(ids, EnvironmentsLive))).toContain("corridor/len8-v0");
	});

	test("a package name resolves from the project; naming a built-in plugin again changes nothing", async () => {
		const specs = Effect.gen(function* () {
			const entry = yield* resolveEnvEntryPoint("@stepwise/env-sokoban", root);
			expect(entry.url).toEndWith("/plugins/env-sokoban/src/index.ts");
			expect(entry.exportName).toBe("layer");
			const before = (yield* EnvRegistry).specs().length;
			yield* registerEnvEntryPoint(entry);
			yield* loadEnvPlugin(`${plugin}:plugin`);
			return [before, (yield* EnvRegistry).specs().length];
		});
		const [before, after] = await Effect.runPromise(Effect.provide(specs, EnvironmentsLive));
		expect(after).toBe((before as number) + 1);
	});

	test("the pipeline trains the outside method on the outside env: estimator, rollout workers and all", async () => {
		const run = join(dir, "corridor");
		await cli([
			"pipeline",
			...common,
			"--run-dir",
			run,
			`env.plugin=${plugin}`,
			"env.spec=corridor/len8-v0",
			"method.name=progress-gain",
			"train.iterations=1",
			"rollout.workers=1",
		]);
		expect(readFileSync(join(run, "results.md"), "utf8")).toContain("| RL ");
		const sources = JSON.parse(readFileSync(join(run, "rl-sources.json"), "utf8")) as RlSources;
		expect(sources.progress).toBe(join(run, "progress"));
		expect(readFileSync(join(run, "config.yaml"), "utf8")).toContain("corridor/len8-v0");
	}, 60_000);
});
