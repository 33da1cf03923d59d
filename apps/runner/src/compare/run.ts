import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Duration, Effect, Option, Schedule } from "effect";
import { type ResolvedRun, resolveRun } from "../commands/resolve-run.ts";
import { resolveConfig } from "../config/decode.ts";
import { ConfigError } from "../config/overrides.ts";
import { defaultConfig, RunConfig } from "../config/schema.ts";
import { writeRunFile } from "../runs/files.ts";
import { svgToPng } from "../runs/plots.ts";
import { RunDir } from "../runs/run-dir.ts";
import { StageLog } from "../services.ts";
import { decodingOf } from "../stages/eval-report.ts";
import { exploreFile } from "../stages/explore.ts";
import { cachedEval, evalReportFile, runPipeline } from "../stages/pipeline.ts";
import { runSftStage, sftDir } from "../stages/sft.ts";
import { readRunFigures } from "../stages/summary.ts";
import { type CompareConfig, type ResolvedMethod, resolveEnv, resolveMethod, slug } from "./config.ts";
import { type CompareRun, checkClaims, compareRows, formatClaims, formatRows, successChart } from "./report.ts";

/** What `stepwise compare` writes: the runs it read, and where its report is. */
export interface CompareResult {
	readonly runs: ReadonlyArray<CompareRun>;
	readonly markdown: string;
	readonly out: string;
}

/** Environment steps of a trajectories JSONL (the exploration an SPA run trained its estimator on). */
const stepsOfFile = (path: string): number => {
	if (!existsSync(path)) return 0;
	let n = 0;
	for (const line of readFileSync(path, "utf8").split("\n")) {
		if (line.trim() === "") continue;
		const t = JSON.parse(line) as { steps?: ReadonlyArray<unknown> };
		n += t.steps?.length ?? 0;
	}
	return n;
};

/** A finished run directory read back: its figures (`stepwise summary`'s), curves and exploration. */
const readRun = (env: string, label: string, seed: number, dir: string) =>
	Effect.map(readRunFigures(dir), (figures) => {
		const run = new RunDir(dir);
		const rows = run.readMetrics().filter((r) => typeof r["charts/env_steps"] === "number");
		const at = (key: string) =>
			rows
				.filter((r) => typeof r[key] === "number")
				.map((r) => [r["charts/env_steps"] as number, r[key] as number] as const);
		return {
			env,
			label,
			seed,
			dir,
			sft: figures.sft,
			rl: figures.rl,
			curve: at("eval/success"),
			rolloutCurve: at("charts/success"),
			envSteps: (rows.at(-1)?.["charts/env_steps"] as number | undefined) ?? 0,
			explorationSteps: stepsOfFile(exploreFile(run)),
			iterations: figures.iterations,
			seconds: figures.rlSeconds,
		} satisfies CompareRun;
	});

/** A method's run holds its final evaluation (a look that makes no directory). */
const finished = (dir: string): boolean => existsSync(evalReportFile({ path: dir }, "rl"));

/**
 * `stepwise compare`: every method on every environment and seed, from one config. Each
 * (environment, seed) trains one SFT policy (`<out>/<env>__sft__<seed>`; one per environment with
 * `sftSeed`) that every method starts from (linked as its run's `sft/`, with its evaluation); each method's run is an ordinary pipeline
 * run directory (`<out>/<env>__<method>__<seed>`), resumable, with the same RL budget in environment
 * steps (`train.envSteps`). A run that holds its final evaluation is reused as it is. Then
 * `compare.md`, `compare.json` and the plots (success over env steps, mean ± std over seeds).
 * `reportOnly` trains nothing: the report covers the runs finished so far (a method's row says
 * over how many seeds; paired tests match seeds). Several processes may run one config side by side
 * (one per seed, `--seeds N`): one that finds the shared SFT run locked looks again every 5 s
 * instead of failing.
 */
export const runCompare = (
	config: CompareConfig,
	configDir: string,
	command: string,
	options: { readonly reportOnly?: boolean } = {},
) =>
	Effect.gen(function* () {
		const log = (yield* StageLog).print;
		const methods: ResolvedMethod[] = [];
		for (const m of config.methods) {
			const r = resolveMethod(m);
			if (typeof r === "string")
				return yield* new ConfigError({ key: "methods", source: "compare config", message: r });
			if (methods.some((x) => x.label === r.label))
				return yield* new ConfigError({
					key: "methods",
					source: "compare config",
					message: `two methods are labelled ${r.label}; give one a label`,
				});
			methods.push(r);
		}
		if (!methods.some((m) => m.label === config.baseline))
			return yield* new ConfigError({
				key: "baseline",
				source: "compare config",
				message: `baseline ${config.baseline} is none of the methods (${methods.map((m) => m.label).join(", ")})`,
			});
		const runs: CompareRun[] = [];
		for (const entry of config.envs) {
			const env = resolveEnv(entry);
			const recipe = env.config !== undefined ? resolve(configDir, env.config) : undefined;
			for (const seed of config.seeds) {
				const common = [...config.overrides, ...env.overrides, `env.spec=${env.spec}`, `seed=${seed}`];
				const flags = (runDir: string, overrides: ReadonlyArray<string>) => ({
					config: Option.fromNullishOr(recipe),
					backend: Option.none(),
					runDir: Option.some(runDir),
					resume: false,
					overrides,
				});
				if (options.reportOnly === true) {
					for (const m of methods) {
						const dir = join(config.out, `${slug(env.spec)}__${slug(m.label)}__${seed}`);
						if (finished(dir)) runs.push(yield* readRun(env.spec, m.label, seed, dir));
						else log(`compare: ${dir} not finished: left out of the report`);
					}
					continue;
				}
				const sftSeed = config.sftSeed ?? seed;
				const sftRun = join(config.out, `${slug(env.spec)}__sft__${sftSeed}`);
				log(`compare: ${env.spec} seed ${seed}: SFT (seed ${sftSeed}) → ${sftRun}`);
				const sftFlags = flags(sftRun, [
					...config.overrides,
					...env.overrides,
					`env.spec=${env.spec}`,
					`seed=${sftSeed}`,
				]);
				// one compare process per seed (`--seeds N`) may share the SFT run: a second one waits
				// while the first trains it (saying so once), then finds it done
				let waiting = false;
				yield* Effect.scoped(
					Effect.gen(function* () {
						const { ctx, run }: ResolvedRun = yield* resolveRun(sftFlags, "sft");
						yield* runSftStage(ctx, run);
						yield* cachedEval(ctx, evalReportFile(run, "sft"), sftDir(run));
					}),
				).pipe(
					Effect.tapError((e) =>
						Effect.sync(() => {
							if (e._tag === "RunLockedError" && !waiting)
								log(`compare: ${sftRun} is in use by another process (${e.path}): waiting for it`);
							waiting = true;
						}),
					),
					Effect.retry({
						schedule: Schedule.spaced(Duration.seconds(5)),
						while: (e) => e._tag === "RunLockedError",
					}),
				);
				for (const m of methods) {
					const dir = join(config.out, `${slug(env.spec)}__${slug(m.label)}__${seed}`);
					if (finished(dir)) log(`compare: ${dir} done already`);
					else {
						mkdirSync(dir, { recursive: true });
						if (!existsSync(join(dir, "sft"))) symlinkSync(resolve(sftRun, "sft"), join(dir, "sft"), "dir");
						const sftEval = join(dir, "eval-sft.json");
						if (!existsSync(sftEval)) copyFileSync(join(sftRun, "eval-sft.json"), sftEval);
						const overrides = [...common, ...m.overrides, `train.envSteps=${config.envSteps}`];
						// enough iterations for the budget even with one-step episodes: the budget stops RL
						const resolved = yield* resolveConfig(RunConfig, { file: recipe, overrides, base: defaultConfig });
						const perIteration = resolved.rollout.groups * resolved.rollout.groupSize;
						const iterations = Math.max(resolved.critic.warmup + 1, Math.ceil(config.envSteps / perIteration));
						log(`compare: ${env.spec} seed ${seed}: ${m.label} → ${dir}`);
						yield* Effect.scoped(
							Effect.gen(function* () {
								const { ctx, run } = yield* resolveRun(
									flags(dir, [...overrides, `train.iterations=${iterations}`]),
									m.label,
								);
								yield* runPipeline(ctx, run);
							}),
						);
					}
					runs.push(yield* readRun(env.spec, m.label, seed, dir));
				}
			}
		}
		const labels = methods.map((m) => m.label);
		const envs = config.envs.map((e) => resolveEnv(e).spec);
		const sections: string[] = [];
		const tables: Record<string, unknown> = {};
		const claims = envs.flatMap((env) =>
			checkClaims(
				env,
				runs.filter((r) => r.env === env),
				config.claims,
			),
		);
		for (const env of envs) {
			const mine = runs.filter((r) => r.env === env);
			const rows = compareRows(mine, labels, config.baseline);
			tables[env] = rows;
			const base = join(config.out, "plots", slug(env));
			for (const which of ["curve", "rolloutCurve"] as const) {
				const svg = successChart(env, mine, labels, which, config.envSteps);
				const name = `${base}__${which === "curve" ? "validation" : "rollout"}_success`;
				yield* writeRunFile(`${name}.svg`, svg);
				yield* writeRunFile(`${name}.png`, yield* Effect.promise(() => svgToPng(svg)));
			}
			const first = mine[0];
			sections.push(
				[
					`## ${env}`,
					"",
					first !== undefined
						? `Final evaluation: ${first.rl.split} split, ${first.rl.perSeed.length} evaluation seeds × ${first.rl.perSeed[0]?.episodes ?? 0} tasks, ${decodingOf(first.rl)}; success mean ± std over ${config.seeds.length} training seed(s). Paired columns count the evaluation tasks won only by the method / only by the other, pooled over seeds, with the exact two-sided sign test. RL budget: ${config.envSteps} environment steps per run.`
						: "",
					"",
					formatRows(rows, config.baseline),
					"",
					`![validation success](plots/${slug(env)}__validation_success.png)`,
					`![training-rollout success](plots/${slug(env)}__rollout_success.png)`,
				].join("\n"),
			);
		}
		const markdown = [
			"# Credit-assignment comparison",
			"",
			`Command: \`${command}\``,
			"",
			...sections,
			"",
			"## The papers' orderings",
			"",
			formatClaims(claims),
			"",
			"## Runs",
			"",
			...runs.map(
				(r) =>
					`- ${r.env} · ${r.label} · seed ${r.seed}: success ${r.rl.mean.success.toFixed(3)} (SFT ${r.sft.mean.success.toFixed(3)}), ${r.envSteps} env steps, ${r.iterations} iterations, ${(r.seconds / 60).toFixed(1)} min — \`${r.dir}\``,
			),
			"",
		].join("\n");
		yield* writeRunFile(join(config.out, "compare.md"), markdown);
		yield* writeRunFile(
			join(config.out, "compare.json"),
			`${JSON.stringify(
				{
					command,
					config,
					tables,
					claims,
					runs: runs.map(({ sft, rl, ...r }) => ({
						...r,
						sftSuccess: sft.mean.success,
						success: rl.mean.success,
						perSeed: rl.perSeed.map((s) => ({ seed: s.seed, success: s.success })),
					})),
				},
				null,
				2,
			)}\n`,
		);
		log(`compare: ${join(config.out, "compare.md")}`);
		return { runs, markdown, out: config.out } satisfies CompareResult;
	});

/** The directory a compare config's relative recipe paths start from. */
export const configBase = (file: string | undefined): string =>
	file === undefined ? process.cwd() : dirname(resolve(file));
