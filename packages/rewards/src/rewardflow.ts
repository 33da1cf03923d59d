import type { StepRows } from "@stepwise/core";
import { Schema } from "effect";
import { exactAnchorClusters } from "./anchors.ts";
import { NonNegative, NormMode, Positive, Statistics, UnitInterval } from "./config.ts";
import { rowPenalty } from "./episode.ts";
import { groupInGroup } from "./gigpo.ts";
import { type CreditMethod, type CreditResult, envFamily } from "./types.ts";

/**
 * Transitions contracted into their neighbours when the state graph is cleaned (docs/credit/rewardflow.md):
 * a transition is a no-op when its action is one of `actions`, contains one of `actionSubstrings`,
 * or leads to a state containing one of `stateSubstrings`. Self-loops are always no-ops.
 */
export interface NoOpRule {
	readonly actions: ReadonlyArray<string>;
	readonly actionSubstrings: ReadonlyArray<string>;
	readonly stateSubstrings: ReadonlyArray<string>;
}

/** Only self-loops are removed (RewardFlow's Sokoban, WebShop and Search managers). */
export const NO_OP_NONE: NoOpRule = { actions: [], actionSubstrings: [], stateSubstrings: [] };
/** RewardFlow's ALFWorld cleaning: `inventory`, `look`, `examine …`, and moves into "Nothing happens". */
export const NO_OP_ALFWORLD: NoOpRule = {
	actions: ["inventory", "look"],
	actionSubstrings: ["examine"],
	stateSubstrings: ["Nothing happens"],
};

/** RewardFlow options; defaults are the released code's (docs/credit/rewardflow.md). */
export interface RewardFlowConfig {
	/** γ of the value propagation (`algorithm.gamma`: 0.9 in the scripts; Search 0.95). */
	readonly gamma: number;
	/** p, subtracted from the row's r̃ and from its episode score (0.1; Search 0.01). */
	readonly invalidPenalty: number;
	/** p₀, charged like p to a row that left the state unchanged (`isNoOp`; 0: none, the code). */
	readonly noOpPenalty: number;
	/** Value-iteration sweeps at most (the code runs exactly 1000; we stop early at the fixed point, same result). */
	readonly maxIterations: number;
	readonly noOp: NoOpRule;
	/**
	 * The code hard-codes `mean_norm` and ω = 1 (it ignores the config). These options exist to
	 * deviate on purpose; their defaults are the code's.
	 */
	readonly mode: NormMode;
	readonly stepAdvantageWeight: number;
	readonly epsilon: number;
	readonly episodeStatistics: Statistics;
	/**
	 * The rollout's step limit, for parity with verl-agent's buffer: an episode that terminated on
	 * exactly this step has no recorded successor there, so its last step keeps the env reward.
	 * 0 (default): every terminated episode's last step leads to its terminal state.
	 */
	readonly maxSteps: number;
}

const NoOpRuleSchema = Schema.Struct({
	actions: Schema.Array(Schema.String),
	actionSubstrings: Schema.Array(Schema.String),
	stateSubstrings: Schema.Array(Schema.String),
});

/** RewardFlow config as data: every key optional, unknown keys refused by `resolveMethodConfig`. */
export const RewardFlowConfigSchema = Schema.Struct({
	gamma: Schema.optionalKey(UnitInterval),
	invalidPenalty: Schema.optionalKey(NonNegative),
	noOpPenalty: Schema.optionalKey(NonNegative),
	maxIterations: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
	noOp: Schema.optionalKey(NoOpRuleSchema),
	mode: Schema.optionalKey(NormMode),
	stepAdvantageWeight: Schema.optionalKey(Schema.Finite),
	epsilon: Schema.optionalKey(Positive),
	episodeStatistics: Schema.optionalKey(Statistics),
	maxSteps: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
});

/** RewardFlow defaults (docs/credit/rewardflow.md). */
export const rewardFlowDefaults: RewardFlowConfig = {
	gamma: 0.9,
	invalidPenalty: 0.1,
	noOpPenalty: 0,
	maxIterations: 1000,
	noOp: NO_OP_NONE,
	mode: "mean_norm",
	stepAdvantageWeight: 1,
	epsilon: 1e-6,
	episodeStatistics: "rows",
	maxSteps: 0,
};

/**
 * What RewardFlow's `examples/rewardflow_trainer/run_<env>.sh` and env managers set, by env plugin
 * (docs/credit/README.md, upstream settings): ALFWorld contracts its no-op transitions, Search propagates with γ 0.95.
 */
export const rewardFlowScripts: Readonly<Record<string, Partial<RewardFlowConfig>>> = {
	alfworld: { noOp: NO_OP_ALFWORLD },
	search: { gamma: 0.95 },
};

/** One group's state graph after cleaning and propagation. */
export interface StateGraph {
	/** Node keys (`stateKey`s), in first-seen order; includes states left off the cleaned graph. */
	readonly nodes: ReadonlyArray<string>;
	/** Node id of each key. */
	readonly id: ReadonlyMap<string, number>;
	/** Unique cleaned edges as `[src, dst]` node ids, in first-seen order. */
	readonly edges: ReadonlyArray<readonly [number, number]>;
	/**
	 * Base reward r(s): the reward of the first cleaned transition the node appears in (0 off-graph).
	 * First occurrence wins, in group order, so a state entered with different rewards in different
	 * trajectories makes the graph depend on trajectory order, as in the reference.
	 */
	readonly reward: Float64Array;
	/** Propagated value V(s) (0 for nodes in no cleaned edge). */
	readonly value: Float64Array;
	/** Sweeps run until the fixed point (or `maxIterations`). */
	readonly iterations: number;
}

/** Whether the last step of trajectory k leads to a recorded successor (its terminal state). */
const hasSuccessor = (rows: StepRows, k: number, maxSteps: number): boolean => {
	const len = (rows.trajStart[k + 1] as number) - (rows.trajStart[k] as number);
	return rows.terminated[k] === 1 && !(maxSteps > 0 && len >= maxSteps);
};

const isNoOp = (rule: NoOpRule, action: string, toState: string): boolean =>
	rule.actions.includes(action) ||
	rule.actionSubstrings.some((s) => action.includes(s)) ||
	rule.stateSubstrings.some((s) => toState.includes(s));

/**
 * Builds group g's state graph (docs/credit/rewardflow.md): per trajectory the state sequence
 * s_0 … s_T (s_T the terminal state when the episode terminated), transitions cleaned of self-loops and
 * no-op runs (a run is replaced by one edge from the state before it to the first real successor),
 * nodes merged across the group's trajectories by exact key, then synchronous max-backup value
 * iteration `V ← max(V, γ·max_succ V)` from the base rewards.
 */
export const buildStateGraph = (rows: StepRows, g: number, c: RewardFlowConfig = rewardFlowDefaults): StateGraph => {
	const id = new Map<string, number>();
	const nodes: string[] = [];
	const node = (key: string): number => {
		let n = id.get(key);
		if (n === undefined) {
			n = nodes.length;
			id.set(key, n);
			nodes.push(key);
		}
		return n;
	};
	// cleaned transitions, flat: src, dst, srcReward, dstReward
	const src: number[] = [];
	const dst: number[] = [];
	const srcR: number[] = [];
	const dstR: number[] = [];
	const states: number[] = [];
	const stateR: number[] = [];
	const acts: string[] = [];
	for (let k = rows.groupTrajStart[g] as number; k < (rows.groupTrajStart[g + 1] as number); k++) {
		const i0 = rows.trajStart[k] as number;
		const i1 = rows.trajStart[k + 1] as number;
		if (i1 === i0) continue;
		states.length = 0;
		stateR.length = 0;
		acts.length = 0;
		for (let i = i0; i < i1; i++) {
			states.push(node(rows.anchor[i] as string));
			stateR.push(i === i0 ? 0 : (rows.reward[i - 1] as number));
			if (i < i1 - 1) acts.push(rows.action[i] as string);
		}
		if (hasSuccessor(rows, k, c.maxSteps)) {
			states.push(node(rows.nextAnchor[i1 - 1] as string));
			stateR.push(rows.reward[i1 - 1] as number);
			acts.push(rows.action[i1 - 1] as string);
		}
		// contraction of no-op runs (self-loops included), as RewardFlow's clean_trajectory
		const m = acts.length;
		let j = 0;
		while (j < m) {
			const from = states[j] as number;
			const to = states[j + 1] as number;
			if (from !== to && !isNoOp(c.noOp, acts[j] as string, nodes[to] as string)) {
				src.push(from);
				dst.push(to);
				srcR.push(stateR[j] as number);
				dstR.push(stateR[j + 1] as number);
				j++;
				continue;
			}
			// As the reference: the replacement edge keeps the source reward of the real transition it
			// replaces (the entry reward of the last skipped state), not the run start's own.
			const runFrom = from;
			while (j < m) {
				const t2 = states[j + 1] as number;
				if (isNoOp(c.noOp, acts[j] as string, nodes[t2] as string) || runFrom === t2) {
					j++;
					continue;
				}
				src.push(runFrom);
				dst.push(t2);
				srcR.push(stateR[j] as number);
				dstR.push(stateR[j + 1] as number);
				j++;
				break;
			}
		}
	}
	const n = nodes.length;
	const reward = new Float64Array(n);
	const hasReward = new Uint8Array(n);
	const edges: (readonly [number, number])[] = [];
	const edgeSeen = new Set<number>();
	for (let e = 0; e < src.length; e++) {
		const s = src[e] as number;
		const d = dst[e] as number;
		if (!hasReward[s]) {
			hasReward[s] = 1;
			reward[s] = srcR[e] as number;
		}
		if (!hasReward[d]) {
			hasReward[d] = 1;
			reward[d] = dstR[e] as number;
		}
		const key = s * n + d;
		if (!edgeSeen.has(key)) {
			edgeSeen.add(key);
			edges.push([s, d]);
		}
	}
	// CSR adjacency
	const outStart = new Int32Array(n + 1);
	for (const [s] of edges) outStart[s + 1] = (outStart[s + 1] as number) + 1;
	for (let v = 0; v < n; v++) outStart[v + 1] = (outStart[v + 1] as number) + (outStart[v] as number);
	const fill = outStart.slice(0, n);
	const succ = new Int32Array(edges.length);
	for (const [s, d] of edges) {
		succ[fill[s] as number] = d;
		fill[s] = (fill[s] as number) + 1;
	}
	let value = Float64Array.from(reward);
	let next = new Float64Array(n);
	let iterations = 0;
	while (iterations < c.maxIterations) {
		iterations++;
		let changed = false;
		for (let v = 0; v < n; v++) {
			let best = value[v] as number;
			for (let e = outStart[v] as number; e < (outStart[v + 1] as number); e++) {
				const p = c.gamma * (value[succ[e] as number] as number);
				if (p > best) best = p;
			}
			next[v] = best;
			if (best !== value[v]) changed = true;
		}
		const tmp = value;
		value = next;
		next = tmp;
		if (!changed) break;
	}
	for (let v = 0; v < n; v++) if (!hasReward[v]) value[v] = 0;
	return { nodes, id, edges, reward, value, iterations };
};

/**
 * RewardFlow (docs/credit/rewardflow.md): per group, the cleaned state graph and its propagated values; per row
 * `r̃_t = V(s_{t+1}) − V(s_t)` (undiscounted difference), or the env reward when the step has no
 * recorded successor (last step of a truncated episode); minus p·[invalid]; then GiGPO's two-level
 * advantage with q = r̃, exact anchors. `stepRewards` is r̃ (penalised); `parts.value` is V(s_t).
 */
export const rewardflow = (rows: StepRows, c: RewardFlowConfig = rewardFlowDefaults): CreditResult => {
	const stepRewards = new Float64Array(rows.size);
	const value = new Float64Array(rows.size);
	const nGroups = rows.groupTrajStart.length - 1;
	for (let g = 0; g < nGroups; g++) {
		const graph = buildStateGraph(rows, g, c);
		const V = (key: string): number => graph.value[graph.id.get(key) as number] as number;
		for (let k = rows.groupTrajStart[g] as number; k < (rows.groupTrajStart[g + 1] as number); k++) {
			const i0 = rows.trajStart[k] as number;
			const i1 = rows.trajStart[k + 1] as number;
			const successor = hasSuccessor(rows, k, c.maxSteps);
			for (let i = i0; i < i1; i++) {
				const here = V(rows.anchor[i] as string);
				value[i] = here;
				let r: number;
				if (i < i1 - 1) r = V(rows.anchor[i + 1] as string) - here;
				else if (successor) r = V(rows.nextAnchor[i] as string) - here;
				else r = rows.reward[i] as number;
				stepRewards[i] = r - rowPenalty(rows, i, c);
			}
		}
	}
	const { advantages, episode, step } = groupInGroup(rows, stepRewards, exactAnchorClusters(rows), c);
	return { advantages, stepRewards, parts: { episode, step, value } };
};

/** The `rewardflow` entry of `creditMethods`. */
export const rewardFlowMethod: CreditMethod<RewardFlowConfig> = {
	name: "rewardflow",
	description: "RewardFlow: state-graph value propagation, step rewards as value differences, GiGPO-style advantage",
	configSchema: RewardFlowConfigSchema,
	defaults: rewardFlowDefaults,
	compute: (rows, c) => rewardflow(rows, c),
	trainer: "group",
	// the rollout loop's step limit decides which last steps have a successor row (docs/credit/rewardflow.md)
	upstream: (env) => ({
		maxSteps: env.maxSteps,
		invalidPenalty: env.invalidPenalty,
		...rewardFlowScripts[envFamily(env)],
	}),
};
