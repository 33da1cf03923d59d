import { existsSync } from "node:fs";
import { ConfigError, isTree } from "../config/overrides.ts";
import type { RunConfig } from "../config/schema.ts";
import type { RunDir } from "../runs/run-dir.ts";
import { exploreFile } from "./explore.ts";
import { evalReportFile } from "./pipeline.ts";
import { annotatedFile, progressDir } from "./progress.ts";
import { hasCheckpoint, sftDir, sftPartialDir } from "./sft.ts";

/** An output a run directory can hold, and the config keys (dotted prefixes) that made it what it is. */
interface StageOutput {
	readonly name: string;
	/** The output's path when the run directory holds it. */
	readonly found: (run: RunDir) => string | undefined;
	readonly keys: ReadonlyArray<string>;
}

const file = (path: string): string | undefined => (existsSync(path) ? path : undefined);
const checkpoint = (dir: string): string | undefined => (hasCheckpoint(dir) ? dir : undefined);

/**
 * Every stage skips or resumes from its output when the run directory holds it, so a key that output
 * depends on cannot change afterwards. Keys left out change nothing that was computed: the budgets
 * (`train.iterations`, `train.minutes`), how often to checkpoint, evaluate or dump samples, the
 * backend, and `rollout.workers` / `rollout.batchSize` (the trajectories are the same either way).
 */
const outputs: ReadonlyArray<StageOutput> = [
	{ name: "SFT policy", found: (run) => checkpoint(sftDir(run)), keys: ["seed", "env", "model", "lora", "sft"] },
	{
		// SFT stopped mid-run resumes from its partial state; its budgets (sft.steps, sft.minutes) may grow
		name: "SFT in progress",
		found: (run) => checkpoint(sftPartialDir(run)) ?? checkpoint(`${sftPartialDir(run)}.old`),
		keys: [
			"seed",
			"env",
			"model",
			"lora",
			"sft.episodes",
			"sft.validationEpisodes",
			"sft.batchSize",
			"sft.microBatchSize",
			"sft.lr",
			"sft.warmup",
			"sft.evalEvery",
			"sft.patience",
			"sft.schedule",
		],
	},
	{
		name: "exploration",
		found: (run) => file(exploreFile(run)),
		keys: ["seed", "env", "progress.tasks", "progress.samples", "rollout.temperature", "rollout.maxNewTokens"],
	},
	{
		name: "progress estimator",
		found: (run) => checkpoint(progressDir(run)),
		keys: ["seed", "env", "progress", "rollout.maxNewTokens"],
	},
	{
		name: "progress annotation",
		found: (run) => file(annotatedFile(run)),
		keys: ["progress.noOps", "progress.initial", "rollout.maxNewTokens"],
	},
	{
		name: "RL checkpoints",
		found: (run) => (run.lastCheckpoint() !== undefined ? run.checkpointsDir : undefined),
		keys: [
			"seed",
			"env",
			"model",
			"lora",
			"method",
			"critic",
			"progress.noOps",
			"rollout.groupSize",
			"rollout.groups",
			"rollout.temperature",
			"rollout.maxNewTokens",
			"rollout.greedyMembers",
			"rollout.screen",
			"rollout.filterRounds",
			"rollout.filterBy",
			"train.data",
			"train.lr",
			"train.klCoef",
			"train.entropyCoef",
			"train.miniBatchSize",
			"train.epochs",
			"train.oldLogProbs",
			"train.evalOn",
			"train.evalTasks",
		],
	},
	...(["sft", "rl"] as const).map(
		(which): StageOutput => ({
			name: `pipeline's ${which.toUpperCase()} evaluation`,
			found: (run) => file(evalReportFile(run, which)),
			keys: ["env", "eval", "rollout.maxNewTokens"],
		}),
	),
];

/** The dotted keys whose values differ between two configs, with both values (leaves compared as JSON). */
export const configChanges = (
	before: unknown,
	after: unknown,
	prefix = "",
): Array<{ readonly key: string; readonly before: unknown; readonly after: unknown }> => {
	if (isTree(before) && isTree(after))
		return [...new Set([...Object.keys(before), ...Object.keys(after)])].flatMap((k) =>
			configChanges(before[k], after[k], prefix === "" ? k : `${prefix}.${k}`),
		);
	return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ key: prefix, before, after }];
};

const show = (x: unknown): string => (x === undefined ? "(unset)" : JSON.stringify(x));

/**
 * Check a command's config against the run directory's saved one (`config.yaml`): a changed key that
 * an output already in the directory depends on is a `ConfigError` naming the key, both values and
 * the output (that stage would be skipped or resumed, so the change could not apply while
 * `config.yaml` claimed it did). Returns the allowed changes as lines to print.
 */
export const checkReuse = (
	run: RunDir,
	saved: RunConfig,
	config: RunConfig,
	source: string,
): ConfigError | ReadonlyArray<string> => {
	const changes = configChanges(saved, config);
	if (changes.length === 0) return [];
	// each output is looked for once (a stat, or the checkpoints directory's listing)
	const present = outputs.flatMap((out) => {
		const path = out.found(run);
		return path === undefined ? [] : [{ ...out, path }];
	});
	for (const c of changes)
		for (const out of present) {
			if (!out.keys.some((k) => c.key === k || c.key.startsWith(`${k}.`))) continue;
			return new ConfigError({
				key: c.key,
				source,
				message: `config key ${c.key}: this run directory's ${out.name} (${out.path}) was made with ${show(c.before)}, and the command asks for ${show(c.after)}; that stage would not be redone, so the change cannot apply. Use a new --run-dir, or remove ${out.path} to redo it.`,
			});
		}
	return changes.map((c) => `config: ${c.key} ${show(c.before)} → ${show(c.after)} (over ${source})`);
};
