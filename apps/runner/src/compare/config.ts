import { Schema } from "effect";

const Overrides = Schema.Array(Schema.String);

/**
 * One method of a comparison: a training method's name (`gigpo`, `ppo`, `spa`, `spa-released` …), a
 * mix in its text form (`0.5*gigpo + 0.5*rewardflow`), or a record with a label, the method or mix,
 * and overrides of its own (e.g. `train.data=exploration` for the released SPA recipe).
 */
export const CompareMethod = Schema.Union([
	Schema.String,
	Schema.Struct({
		/** The name in tables, plots and run directories (default the method or mix). */
		label: Schema.optionalKey(Schema.String),
		/** A training method (`stepwise train --method`); omitted with `mix`. */
		name: Schema.optionalKey(Schema.String),
		/** A mix, `0.5*gigpo + 0.5*rewardflow`, or its JSON form with per-term options. */
		mix: Schema.optionalKey(Schema.String),
		/** Config overrides of this method's runs (`key=value`; not `seed`, `env.*`, `model.*` or `sft.*`, which the shared SFT fixes). */
		overrides: Schema.optionalKey(Overrides),
	}),
]);
export type CompareMethod = typeof CompareMethod.Type;

/** One environment of a comparison: a spec id, or a record with the spec, its recipe (a run config YAML) and overrides. */
export const CompareEnv = Schema.Union([
	Schema.String,
	Schema.Struct({
		spec: Schema.String,
		/** A run config YAML for this environment (its model, SFT, rollout and training recipe), relative to the compare config. */
		config: Schema.optionalKey(Schema.String),
		/** Config overrides of this environment's runs. */
		overrides: Schema.optionalKey(Overrides),
	}),
]);
export type CompareEnv = typeof CompareEnv.Type;

/** `stepwise compare`'s config: methods × environments × seeds, each run an ordinary run directory under `out`. */
export const CompareConfig = Schema.Struct({
	/** Where the runs, `compare.md`, `compare.json` and the plots go. */
	out: Schema.String,
	envs: Schema.Array(CompareEnv).check(Schema.isMinLength(1)),
	methods: Schema.Array(CompareMethod).check(Schema.isMinLength(1)),
	/** Training seeds: every (environment, seed) has one SFT policy that every method starts from (see `sftSeed`). */
	seeds: Schema.Array(Schema.Int).check(Schema.isMinLength(1)),
	/**
	 * The training seed of one SFT policy per environment that every seed's RL starts from (seeds then
	 * vary the RL only, as runs from one pretrained model do); omitted, every seed trains its own.
	 */
	sftSeed: Schema.optionalKey(Schema.Int),
	/** The label every other method is tested against, task by task (a sign test). */
	baseline: Schema.String,
	/** Environment steps of RL training per run (`train.envSteps`): the same budget for every method. */
	envSteps: Schema.Int.check(Schema.isGreaterThan(0)),
	/** Overrides of every run (`key=value`), under the environment's and the method's own. */
	overrides: Overrides,
	/** Orderings to check on every environment, `a > b` (a ahead, p < 0.05) or `a >= b` (a not significantly behind); `SFT` is the starting policy. */
	claims: Schema.Array(Schema.String),
});
export type CompareConfig = typeof CompareConfig.Type;

/** The default comparison: the six methods, the released SPA recipe and one mix on Sokoban, one seed, a short budget. */
export const defaultCompareConfig: CompareConfig = {
	out: "runs/compare",
	envs: ["sokoban/6x6-1box-v0"],
	methods: [
		"grpo",
		"rloo",
		"gigpo",
		"rewardflow",
		"ppo",
		"spa",
		{ name: "spa-released", overrides: ["train.data=exploration"] },
		"0.5*gigpo + 0.5*rewardflow",
	],
	seeds: [0],
	baseline: "grpo",
	envSteps: 20_000,
	overrides: [],
	claims: ["gigpo > grpo", "spa > ppo", "ppo >= SFT"],
};

/** A method of the comparison made concrete: its label and the overrides that select it. */
export interface ResolvedMethod {
	readonly label: string;
	readonly overrides: ReadonlyArray<string>;
}

/** Method overrides that would move the shared SFT starting point (refused). */
const SHARED = /^(seed|env|model|sft)(\.|=)/;

/** The label and overrides of a method entry; an error message when the entry is malformed. */
export const resolveMethod = (m: CompareMethod): ResolvedMethod | string => {
	const entry = typeof m === "string" ? (/[*+·]/.test(m) ? { mix: m } : { name: m }) : m;
	const own = entry.overrides ?? [];
	const moved = own.find((o) => SHARED.test(o));
	if (moved !== undefined)
		return `method ${entry.label ?? entry.name ?? entry.mix}: override ${moved} would change the SFT policy every method shares; put it under the environment`;
	if (entry.mix !== undefined && entry.name !== undefined && entry.name !== "mix")
		return `method ${entry.label ?? entry.name}: give a name or a mix, not both`;
	if (entry.mix !== undefined)
		return {
			label: entry.label ?? entry.mix.replace(/\s+/g, ""),
			overrides: ["method.name=mix", `method.mix=${entry.mix}`, ...own],
		};
	if (entry.name === undefined) return "a method entry needs a name or a mix";
	return { label: entry.label ?? entry.name, overrides: [`method.name=${entry.name}`, ...own] };
};

/** The spec, recipe file and overrides of an environment entry. */
export const resolveEnv = (
	e: CompareEnv,
): { readonly spec: string; readonly config: string | undefined; readonly overrides: ReadonlyArray<string> } =>
	typeof e === "string"
		? { spec: e, config: undefined, overrides: [] }
		: { spec: e.spec, config: e.config, overrides: e.overrides ?? [] };

/** A label as a run-directory name part. */
export const slug = (s: string): string => s.replace(/[^A-Za-z0-9.-]+/g, "-").replace(/^-+|-+$/g, "");
