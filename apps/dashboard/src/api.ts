/**
 * The dashboard's HTTP API: one Schema per response. The server builds these values; the page
 * decodes every response with the same Schema before it uses it.
 */
import { Schema } from "effect";

/** `running`: written to in the last minutes; `finished`: reached its end; `failed`: stopped before it. */
export const RunStatus = Schema.Literals(["running", "finished", "failed"]);
export type RunStatus = typeof RunStatus.Type;

/** One row of the runs table. */
export const RunSummary = Schema.Struct({
	/** The directory name under the runs directory (`<env>__<method>__<seed>__<unix seconds>`). */
	name: Schema.String,
	env: Schema.String,
	method: Schema.String,
	seed: Schema.NullOr(Schema.Int),
	/** The last stage with output: sft, explore, progress, rl, eval. */
	stage: Schema.String,
	/** The last RL iteration in `metrics.jsonl` (0 when none). */
	iteration: Schema.Int,
	/** The iterations the config asks for. */
	iterations: Schema.NullOr(Schema.Int),
	/** `charts/success` of the last RL row. */
	lastSuccess: Schema.NullOr(Schema.Finite),
	/** Start and last write, in ms since the epoch. */
	start: Schema.Finite,
	updated: Schema.Finite,
	status: RunStatus,
	trajectories: Schema.Int,
	evaluations: Schema.Int,
});
export type RunSummary = typeof RunSummary.Type;

export const RunsResponse = Schema.Struct({
	runsDir: Schema.String,
	runs: Schema.Array(RunSummary),
});
export type RunsResponse = typeof RunsResponse.Type;

/** The metric keys of some runs (union, sorted). */
export const KeysResponse = Schema.Struct({ keys: Schema.Array(Schema.String) });
export type KeysResponse = typeof KeysResponse.Type;

/** One metric of one run over iterations (rows without the key are left out). */
export const MetricSeries = Schema.Struct({
	run: Schema.String,
	key: Schema.String,
	/** Rows with the key; `x`/`y` hold at most the `max` asked for, evenly spaced. */
	total: Schema.Int,
	x: Schema.Array(Schema.Finite),
	y: Schema.Array(Schema.Finite),
});
export type MetricSeries = typeof MetricSeries.Type;

export const MetricsResponse = Schema.Struct({ series: Schema.Array(MetricSeries) });
export type MetricsResponse = typeof MetricsResponse.Type;

/** The credit method a run trained with (its `config.yaml`), and every method the page can recompute with. */
export const CreditChoice = Schema.Struct({
	method: Schema.String,
	mix: Schema.NullOr(Schema.String),
	config: Schema.Record(Schema.String, Schema.Unknown),
});
export type CreditChoice = typeof CreditChoice.Type;

/** A run's trajectory dumps (`trajectories/*.jsonl`). */
export const DumpsResponse = Schema.Struct({
	run: CreditChoice,
	methods: Schema.Array(Schema.String),
	files: Schema.Array(Schema.Struct({ file: Schema.String, bytes: Schema.Int })),
});
export type DumpsResponse = typeof DumpsResponse.Type;

/** The groups of one dump. */
export const GroupsResponse = Schema.Struct({
	file: Schema.String,
	groups: Schema.Array(
		Schema.Struct({
			groupId: Schema.String,
			taskId: Schema.String,
			taskType: Schema.NullOr(Schema.String),
			episodes: Schema.Int,
			won: Schema.Int,
		}),
	),
});
export type GroupsResponse = typeof GroupsResponse.Type;

/** One step of an episode with its credit. */
export const CreditStep = Schema.Struct({
	t: Schema.Int,
	stateKey: Schema.String,
	action: Schema.String,
	response: Schema.String,
	valid: Schema.Boolean,
	reward: Schema.Finite,
	advantage: Schema.NullOr(Schema.Finite),
	stepReward: Schema.NullOr(Schema.Finite),
	/** The method's named terms at this step (GiGPO's episode and step terms, RewardFlow's state value …). */
	parts: Schema.Record(Schema.String, Schema.Finite),
	/** SPA's progress estimate, where the dump has one. */
	progress: Schema.NullOr(Schema.Finite),
	/** The step's state among the group's distinct states (1-based, first seen first) and how many steps share it. */
	anchor: Schema.Int,
	anchorSize: Schema.Int,
});
export type CreditStep = typeof CreditStep.Type;

/** The episodes of a group, each step's advantage under `method` (or the reason it has none). */
export const CreditResponse = Schema.Struct({
	file: Schema.String,
	groupId: Schema.String,
	method: Schema.String,
	mix: Schema.NullOr(Schema.String),
	error: Schema.NullOr(Schema.String),
	episodes: Schema.Array(
		Schema.Struct({
			id: Schema.String,
			won: Schema.Boolean,
			score: Schema.Finite,
			steps: Schema.Array(CreditStep),
		}),
	),
});
export type CreditResponse = typeof CreditResponse.Type;

const figureFields = {
	success: Schema.Finite,
	score: Schema.Finite,
	grounding: Schema.Finite,
	length: Schema.Finite,
};

/** Success, score, grounding and length of a set of episodes. */
export const Figures = Schema.Struct({ episodes: Schema.Int, ...figureFields });
export type Figures = typeof Figures.Type;

/** An evaluation report of the run (`eval-sft.json`, `eval-rl.json`, `eval.json`), as `stepwise eval` writes it. */
export const EvalReportView = Schema.Struct({
	policy: Schema.String,
	spec: Schema.String,
	split: Schema.String,
	perSeed: Schema.Array(
		Schema.Struct({ seed: Schema.Int, ...Figures.fields, outcomes: Schema.optionalKey(Schema.String) }),
	),
	mean: Figures,
	std: Schema.Struct(figureFields),
	byType: Schema.Record(Schema.String, Figures),
});
export type EvalReportView = typeof EvalReportView.Type;

/** The run's evaluations: the pipeline's `results.md` (SFT vs RL table and paired comparison) and each report. */
export const EvalsResponse = Schema.Struct({
	results: Schema.NullOr(Schema.String),
	reports: Schema.Array(Schema.Struct({ file: Schema.String, report: EvalReportView })),
	errors: Schema.Array(Schema.String),
});
export type EvalsResponse = typeof EvalsResponse.Type;
