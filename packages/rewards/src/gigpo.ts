import type { StepRows } from "@stepwise/core";
import { Schema } from "effect";
import { type AnchorClusters, exactAnchorClusters, similarityAnchorClusters } from "./anchors.ts";
import { NonNegative, NormMode, Positive, Statistics, UnitInterval } from "./config.ts";
import { discountedReturns, episodeAdvantages, type RowPenalties, rowPenalty } from "./episode.ts";
import { normaliseInClusters } from "./stats.ts";
import { type CreditMethod, type CreditResult, envFamily } from "./types.ts";

/** GiGPO options; defaults are verl-agent's (docs/credit/gigpo.md). */
export interface GigpoConfig {
	/** Shared by both levels: `mean_norm` (yaml default; WebShop, Sokoban) or `mean_std_norm` (ALFWorld, Search). */
	readonly mode: NormMode;
	/** γ of the discounted step return. */
	readonly gamma: number;
	/** ω, the weight of the step-level advantage. */
	readonly stepAdvantageWeight: number;
	/** p: subtracted, undiscounted, from the row's episode score and its step return (0.1; Search 0.01). */
	readonly invalidPenalty: number;
	/**
	 * p₀: subtracted like p from a row whose action left the state unchanged (its anchor equals its
	 * next anchor; added to p for an invalid one). 0 (default) is verl-agent; see `isNoOp` for when a
	 * greedy evaluation needs it.
	 */
	readonly noOpPenalty: number;
	readonly epsilon: number;
	/** `"exact"` anchor keys (default) or `"similarity"` (Ratcliff–Obershelp ratio ≥ threshold, text only). */
	readonly grouping: "exact" | "similarity";
	/** Similarity threshold in (0, 1) (the code's default 0.95; the Search script uses 0.9). */
	readonly similarityThreshold: number;
	/** Mimic difflib's autojunk heuristic in similarity mode (bit-parity with the reference). */
	readonly autojunk: boolean;
	/** Episode statistics over `"rows"` (the code, ⚠) or `"trajectories"` (the paper's Eq. 3). */
	readonly episodeStatistics: Statistics;
}

/** GiGPO config as data: every key optional, unknown keys refused by `resolveMethodConfig`. */
export const GigpoConfigSchema = Schema.Struct({
	mode: Schema.optionalKey(NormMode),
	gamma: Schema.optionalKey(UnitInterval),
	stepAdvantageWeight: Schema.optionalKey(Schema.Finite),
	invalidPenalty: Schema.optionalKey(NonNegative),
	noOpPenalty: Schema.optionalKey(NonNegative),
	epsilon: Schema.optionalKey(Positive),
	grouping: Schema.optionalKey(Schema.Literals(["exact", "similarity"])),
	similarityThreshold: Schema.optionalKey(
		Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true })),
	),
	autojunk: Schema.optionalKey(Schema.Boolean),
	episodeStatistics: Schema.optionalKey(Statistics),
});

/** GiGPO defaults (docs/credit/gigpo.md). */
export const gigpoDefaults: GigpoConfig = {
	mode: "mean_norm",
	gamma: 0.95,
	stepAdvantageWeight: 1,
	invalidPenalty: 0.1,
	noOpPenalty: 0,
	epsilon: 1e-6,
	grouping: "exact",
	similarityThreshold: 0.95,
	autojunk: true,
	episodeStatistics: "rows",
};

/**
 * What verl-agent's `examples/gigpo_trainer/run_<env>.sh` sets beyond the yaml defaults, by env
 * plugin (docs/credit/README.md, upstream settings): ALFWorld and Search normalise by σ, Search groups anchors by similarity ≥ 0.9.
 */
export const gigpoScripts: Readonly<Record<string, Partial<GigpoConfig>>> = {
	alfworld: { mode: "mean_std_norm" },
	search: { mode: "mean_std_norm", grouping: "similarity", similarityThreshold: 0.9 },
};

/** The anchor clusters GiGPO's config asks for. */
export const gigpoClusters = (rows: StepRows, c: GigpoConfig): AnchorClusters =>
	c.grouping === "similarity"
		? similarityAnchorClusters(rows, c.similarityThreshold, c.autojunk)
		: exactAnchorClusters(rows);

/**
 * The two-level combination shared by GiGPO and RewardFlow: `A = A^E + ω·A^S`, where A^S normalises
 * the per-row step score `q` inside its anchor cluster (a singleton cluster gives 0).
 */
export const groupInGroup = (
	rows: StepRows,
	q: Float64Array,
	clusters: AnchorClusters,
	o: RowPenalties & {
		readonly mode: NormMode;
		readonly epsilon: number;
		readonly stepAdvantageWeight: number;
		readonly episodeStatistics: GigpoConfig["episodeStatistics"];
	},
): { readonly advantages: Float64Array; readonly episode: Float64Array; readonly step: Float64Array } => {
	const scaleByStd = o.mode === "mean_std_norm";
	const episode = episodeAdvantages(rows, {
		statistics: o.episodeStatistics,
		scaleByStd,
		epsilon: o.epsilon,
		invalidPenalty: o.invalidPenalty,
		noOpPenalty: o.noOpPenalty ?? 0,
	});
	const step = normaliseInClusters(q, clusters.clusterOf, clusters.count, {
		scaleByStd,
		epsilon: o.epsilon,
		singleton: "zero",
	});
	const advantages = new Float64Array(rows.size);
	for (let i = 0; i < rows.size; i++) {
		advantages[i] = (episode[i] as number) + o.stepAdvantageWeight * (step[i] as number);
	}
	return { advantages, episode, step };
};

/**
 * GiGPO (docs/credit/gigpo.md): episode-level advantage plus ω × the anchor-state step-level advantage of
 * `q_i = G_t − p·[invalid_i] − p₀·[no-op_i]`, G_t the γ-discounted return of the env rewards. `parts` holds
 * `episode` (A^E), `step` (A^S) and `stepReturn` (G_t).
 */
export const gigpo = (rows: StepRows, c: GigpoConfig = gigpoDefaults): CreditResult => {
	const stepReturn = discountedReturns(rows, rows.reward, c.gamma);
	const q = new Float64Array(rows.size);
	for (let i = 0; i < rows.size; i++) q[i] = (stepReturn[i] as number) - rowPenalty(rows, i, c);
	const { advantages, episode, step } = groupInGroup(rows, q, gigpoClusters(rows, c), c);
	return { advantages, parts: { episode, step, stepReturn } };
};

/** The `gigpo` entry of `creditMethods`. */
export const gigpoMethod: CreditMethod<GigpoConfig> = {
	name: "gigpo",
	description: "GiGPO: episode advantage + ω·anchor-state step advantage of discounted step returns",
	configSchema: GigpoConfigSchema,
	defaults: gigpoDefaults,
	compute: (rows, c) => gigpo(rows, c),
	trainer: "group",
	upstream: (env) => ({ invalidPenalty: env.invalidPenalty, ...gigpoScripts[envFamily(env)] }),
};
