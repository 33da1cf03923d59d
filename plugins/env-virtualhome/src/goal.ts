/**
 * Goals as SPA-RL's `revised_graph` (docs/environments/virtualhome.md): goal node records whose states must
 * equal the current ones (compared as sets), edges that must be absent (`revised_nodes`, misnamed
 * in the original) and edges that must be present (`revised_add_edges`). Our goals are the graph
 * difference a gold program makes (§3.8): changed node states and added/removed ON, INSIDE (to
 * non-rooms), HOLDS_RH/HOLDS_LH and SITTING edges — never CLOSE/FACING or room membership, which
 * would make the goal depend on the path taken.
 */
import { type Edge, edgeKey, type Graph, type NodeState, type Relation } from "./graph.ts";

/** A goal node record: the states the node must have (as a set). */
export interface GoalNode {
	readonly id: number;
	readonly className: string;
	readonly states: ReadonlyArray<NodeState>;
}

/** A goal: node states, forbidden edges and required edges. */
export interface Goal {
	readonly nodes: ReadonlyArray<GoalNode>;
	/** Edges that must not exist (SPA's `revised_nodes`). */
	readonly forbidden: ReadonlyArray<Edge>;
	/** Edges that must exist (SPA's `revised_add_edges`). */
	readonly required: ReadonlyArray<Edge>;
}

const GOAL_RELATIONS: ReadonlyArray<Relation> = ["ON", "INSIDE", "HOLDS_RH", "HOLDS_LH", "SITTING"];

/** The edges a goal may speak about, keyed by `edgeKey`. */
const goalEdges = (g: Graph): Map<string, Edge> => {
	const out = new Map<string, Edge>();
	for (const e of g.edges()) {
		if (!GOAL_RELATIONS.includes(e.relation)) continue;
		if (e.relation === "INSIDE" && g.node(e.to).category === "Rooms") continue;
		out.set(edgeKey(e), e);
	}
	return out;
};

const sameStates = (a: ReadonlySet<NodeState>, b: ReadonlyArray<NodeState> | ReadonlySet<NodeState>): boolean => {
	const bs = b instanceof Set ? b : new Set(b);
	if (a.size !== bs.size) return false;
	for (const x of a) if (!bs.has(x)) return false;
	return true;
};

const byEdge = (a: Edge, b: Edge): number => a.from - b.from || a.relation.localeCompare(b.relation) || a.to - b.to;

/** The goal a gold program defines: the difference between the initial and the final graph. */
export const diffGoal = (initial: Graph, final: Graph): Goal => {
	const nodes: GoalNode[] = [];
	for (const n of final.nodes.values()) {
		const before = initial.nodes.get(n.id);
		if (before !== undefined && !sameStates(before.states, n.states))
			nodes.push({ id: n.id, className: n.className, states: [...n.states].sort() });
	}
	const a = goalEdges(initial);
	const b = goalEdges(final);
	const forbidden = [...a].filter(([k]) => !b.has(k)).map(([, e]) => e);
	const required = [...b].filter(([k]) => !a.has(k)).map(([, e]) => e);
	return {
		nodes: nodes.sort((x, y) => x.id - y.id),
		forbidden: forbidden.sort(byEdge),
		required: required.sort(byEdge),
	};
};

/** SPA's `check_env`: every goal node's states equal, no forbidden edge, every required edge. */
export const goalReached = (g: Graph, goal: Goal): boolean => {
	for (const n of goal.nodes) {
		const node = g.nodes.get(n.id);
		if (node === undefined || node.className !== n.className || !sameStates(node.states, n.states)) return false;
	}
	for (const e of goal.forbidden) if (g.has(e.from, e.relation, e.to)) return false;
	for (const e of goal.required) if (!g.has(e.from, e.relation, e.to)) return false;
	return true;
};

/** Number of goal conditions (node records + forbidden + required edges). */
export const goalSize = (goal: Goal): number => goal.nodes.length + goal.forbidden.length + goal.required.length;

/** Fraction of goal conditions currently met (a progress score in [0, 1]). */
export const goalProgress = (g: Graph, goal: Goal): number => {
	const total = goalSize(goal);
	if (total === 0) return 1;
	let met = 0;
	for (const n of goal.nodes) {
		const node = g.nodes.get(n.id);
		if (node !== undefined && sameStates(node.states, n.states)) met++;
	}
	for (const e of goal.forbidden) if (!g.has(e.from, e.relation, e.to)) met++;
	for (const e of goal.required) if (g.has(e.from, e.relation, e.to)) met++;
	return met / total;
};
