/**
 * The VirtualHome environment graph (evolving-graph state): nodes with a class name, a category,
 * affordance properties and states, and directed typed edges (kept in insertion order; where the
 * original picks "the first" of a Python set of ids, callers take the lowest id).
 */

/** Edge types of the VirtualHome graph (docs/environments/virtualhome.md). */
export const RELATIONS = ["ON", "INSIDE", "BETWEEN", "CLOSE", "FACING", "HOLDS_RH", "HOLDS_LH", "SITTING"] as const;
/** An edge type. */
export type Relation = (typeof RELATIONS)[number];

/** Node states the executors read and write (docs/environments/virtualhome.md). */
export const STATES = [
	"CLOSED",
	"OPEN",
	"ON",
	"OFF",
	"SITTING",
	"DIRTY",
	"CLEAN",
	"LYING",
	"PLUGGED_IN",
	"PLUGGED_OUT",
] as const;
/** A node state. */
export type NodeState = (typeof STATES)[number];

/** Affordance properties (docs/environments/virtualhome.md; `properties_data.json`). */
export const PROPERTIES = [
	"SURFACES",
	"GRABBABLE",
	"SITTABLE",
	"LIEABLE",
	"HANGABLE",
	"DRINKABLE",
	"EATABLE",
	"RECIPIENT",
	"CUTTABLE",
	"POURABLE",
	"CAN_OPEN",
	"HAS_SWITCH",
	"READABLE",
	"LOOKABLE",
	"CONTAINERS",
	"CLOTHES",
	"PERSON",
	"BODY_PART",
	"COVER_OBJECT",
	"HAS_PLUG",
	"HAS_PAPER",
	"MOVABLE",
	"CREAM",
] as const;
/** An affordance property. */
export type Property = (typeof PROPERTIES)[number];

/** One graph node. `states` is mutable inside a `Graph`; copy the graph before editing it. */
export interface GraphNode {
	readonly id: number;
	readonly className: string;
	/** `Rooms`, `Characters`, `Furniture`, `Appliances`, `Props`, `Doors`, … */
	readonly category: string;
	readonly properties: ReadonlySet<Property>;
	readonly states: Set<NodeState>;
}

/** An edge as VirtualHome's `to_dict` writes it. */
export interface Edge {
	readonly from: number;
	readonly relation: Relation;
	readonly to: number;
}

const REL_INDEX: Record<Relation, number> = Object.fromEntries(RELATIONS.map((r, i) => [r, i])) as Record<
	Relation,
	number
>;

/** A slot key for (node, relation) adjacency lists. */
const slot = (node: number, relation: Relation): number => node * 8 + REL_INDEX[relation];

const EMPTY: ReadonlySet<number> = new Set();

/**
 * A mutable graph with O(1) edge queries in both directions. Node ids are small positive integers.
 */
export class Graph {
	readonly nodes: Map<number, GraphNode>;
	private readonly out: Map<number, Set<number>>;
	private readonly inn: Map<number, Set<number>>;
	private edgeCount = 0;

	constructor(nodes?: Map<number, GraphNode>, out?: Map<number, Set<number>>, inn?: Map<number, Set<number>>) {
		this.nodes = nodes ?? new Map();
		this.out = out ?? new Map();
		this.inn = inn ?? new Map();
		for (const s of this.out.values()) this.edgeCount += s.size;
	}

	/** A deep copy (node states and edge sets are copied; insertion order is kept). */
	clone(): Graph {
		const nodes = new Map<number, GraphNode>();
		for (const [id, n] of this.nodes) nodes.set(id, { ...n, states: new Set(n.states) });
		const copy = (m: Map<number, Set<number>>) => {
			const c = new Map<number, Set<number>>();
			for (const [k, v] of m) if (v.size > 0) c.set(k, new Set(v));
			return c;
		};
		return new Graph(nodes, copy(this.out), copy(this.inn));
	}

	/** Add (or replace) a node. */
	addNode(node: GraphNode): void {
		this.nodes.set(node.id, node);
	}

	/** The node of an id (throws on an unknown id: a programming error). */
	node(id: number): GraphNode {
		const n = this.nodes.get(id);
		if (n === undefined) throw new RangeError(`no node ${id}`);
		return n;
	}

	/** Number of edges. */
	get size(): number {
		return this.edgeCount;
	}

	/** Whether the edge exists. */
	has(from: number, relation: Relation, to: number): boolean {
		return this.out.get(slot(from, relation))?.has(to) ?? false;
	}

	/** Add an edge (no-op when present). */
	add(from: number, relation: Relation, to: number): void {
		const k = slot(from, relation);
		let s = this.out.get(k);
		if (s === undefined) {
			s = new Set();
			this.out.set(k, s);
		}
		if (s.has(to)) return;
		s.add(to);
		this.edgeCount++;
		const r = slot(to, relation);
		let t = this.inn.get(r);
		if (t === undefined) {
			t = new Set();
			this.inn.set(r, t);
		}
		t.add(from);
	}

	/** Add the edge and its reverse (VirtualHome's `add_reverse=True`, used for CLOSE). */
	addBoth(a: number, relation: Relation, b: number): void {
		this.add(a, relation, b);
		this.add(b, relation, a);
	}

	/** Delete an edge (no-op when absent). */
	delete(from: number, relation: Relation, to: number): void {
		const s = this.out.get(slot(from, relation));
		if (s === undefined || !s.delete(to)) return;
		this.edgeCount--;
		this.inn.get(slot(to, relation))?.delete(from);
	}

	/** Nodes `to` with an edge `from -relation-> to`, in insertion order. */
	from(from: number, relation: Relation): ReadonlySet<number> {
		return this.out.get(slot(from, relation)) ?? EMPTY;
	}

	/** Nodes `from` with an edge `from -relation-> to`. */
	to(to: number, relation: Relation): ReadonlySet<number> {
		return this.inn.get(slot(to, relation)) ?? EMPTY;
	}

	/** Delete every edge of the given relations leaving `id`, and (with `reverse`) entering it. */
	deleteAll(id: number, relations: ReadonlyArray<Relation>, reverse: boolean): void {
		for (const r of relations) {
			for (const to of [...this.from(id, r)]) this.delete(id, r, to);
			if (reverse) for (const from of [...this.to(id, r)]) this.delete(from, r, id);
		}
	}

	/** Every edge, grouped by source node then relation (insertion order within a group). */
	edges(): Edge[] {
		const out: Edge[] = [];
		for (const [k, s] of this.out) {
			const from = Math.floor(k / 8);
			const relation = RELATIONS[k % 8] as Relation;
			for (const to of s) out.push({ from, relation, to });
		}
		return out;
	}

	/** Every edge as one number, `((from * 8 + relation) * 65536 + to)` (node ids stay below 65536). */
	edgeCodes(): number[] {
		const out: number[] = [];
		for (const [k, s] of this.out) for (const to of s) out.push(k * 65536 + to);
		return out;
	}

	/** Ids of nodes of a class, ascending. */
	ofClass(className: string): number[] {
		const ids: number[] = [];
		for (const n of this.nodes.values()) if (n.className === className) ids.push(n.id);
		return ids.sort((a, b) => a - b);
	}
}

/** Decode an edge code of `Graph.edgeCodes`. */
export const decodeEdge = (code: number): Edge => {
	const to = code % 65536;
	const k = Math.floor(code / 65536);
	return { from: Math.floor(k / 8), relation: RELATIONS[k % 8] as Relation, to };
};

/** Encode an edge as one string (for sets and keys). */
export const edgeKey = (e: Edge): string => `${e.from} ${e.relation} ${e.to}`;
