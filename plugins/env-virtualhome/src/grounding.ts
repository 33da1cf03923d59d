/**
 * SPA-RL's object grounding (`change_obj_index`, docs/environments/virtualhome.md): a class name in a program
 * line is bound to a node id — the instance already bound for that class in this episode (initially
 * the task's `object_id_dict`), else one CLOSE to the character or related (CLOSE/INSIDE) to the
 * previous action's object, else a random instance. Put/pour bind their first object to a held
 * instance. The "random" instance is a pure function of the episode seed and the class name.
 */
import { hashSeed } from "@stepwise/core/util/rng";
import type { Graph } from "./graph.ts";
import type { ProgramLine } from "./parse.ts";

/** The grounding memory of an episode. */
export interface Bindings {
	/** Class name → bound node id (`specific_objects`). */
	readonly byClass: ReadonlyMap<string, number>;
	/** The previous action's object (`last_obj_id`), or -1. */
	readonly lastObject: number;
}

/** A grounded line: the node ids of its arguments and the grounding memory after it. */
export interface Grounded {
	readonly ids: ReadonlyArray<number>;
	readonly bindings: Bindings;
}

/** Ids of nodes CLOSE to `id` in either direction, ascending. */
const closeTo = (g: Graph, id: number): number[] =>
	[...new Set([...g.from(id, "CLOSE"), ...g.to(id, "CLOSE")])].sort((a, b) => a - b);

/** Ids of nodes INSIDE-related to `id` in either direction, ascending. */
const insideRelated = (g: Graph, id: number): number[] =>
	[...new Set([...g.from(id, "INSIDE"), ...g.to(id, "INSIDE")])].sort((a, b) => a - b);

/** The `obj_id_dict` candidates for some class names: close to the character, then near the last object (last wins). */
const nearby = (g: Graph, char: number, lastObject: number, names: ReadonlyArray<string>): Map<string, number> => {
	const found = new Map<string, number>();
	const scan = (ids: ReadonlyArray<number>) => {
		for (const id of ids) {
			const cls = g.node(id).className;
			if (names.includes(cls)) found.set(cls, id);
		}
	};
	scan(closeTo(g, char));
	if (lastObject >= 0 && g.nodes.has(lastObject)) scan([...closeTo(g, lastObject), ...insideRelated(g, lastObject)]);
	return found;
};

/** Bind one class name: bound → nearby → (none: undefined) → seeded pick. Records new bindings in `added`. */
const bindOne = (
	g: Graph,
	name: string,
	bound: ReadonlyMap<string, number>,
	added: Map<string, number>,
	near: () => ReadonlyMap<string, number>,
	seed: number,
): number | undefined => {
	const known = added.get(name) ?? bound.get(name);
	if (known !== undefined) return known;
	const close = near().get(name);
	if (close !== undefined) {
		added.set(name, close);
		return close;
	}
	const all = g.ofClass(name);
	if (all.length === 0) return undefined;
	const pick = all[hashSeed(seed, "instance", name) % all.length] as number;
	added.set(name, pick);
	return pick;
};

/** The bindings with `added` merged in (the same map when nothing was added). */
const merged = (
	bound: ReadonlyMap<string, number>,
	added: ReadonlyMap<string, number>,
): ReadonlyMap<string, number> => {
	let changed = false;
	for (const [k, v] of added) if (bound.get(k) !== v) changed = true;
	if (!changed) return bound;
	const out = new Map(bound);
	for (const [k, v] of added) out.set(k, v);
	return out;
};

/**
 * Ground a parsed line in the current graph. Returns undefined when SPA reports an error instead of
 * executing (unknown class, nothing of that class in hand, putting an object into itself).
 */
export const ground = (g: Graph, char: number, line: ProgramLine, b: Bindings, seed: number): Grounded | undefined => {
	if (line.args.length === 0) return { ids: [], bindings: b };
	const added = new Map<string, number>();
	if (line.args.length === 1) {
		const name = line.args[0] as string;
		const id = bindOne(g, name, b.byClass, added, () => nearby(g, char, b.lastObject, [name]), seed);
		if (id === undefined) return undefined;
		return { ids: [id], bindings: { byClass: merged(b.byClass, added), lastObject: id } };
	}
	const [first, second] = line.args as [string, string];
	const holding = [...g.from(char, "HOLDS_RH"), ...g.from(char, "HOLDS_LH")]
		.filter((id) => g.node(id).className === first)
		.sort((x, y) => x - y);
	if (holding.length === 0) return undefined;
	const id1 = holding[hashSeed(seed, "held", first) % holding.length] as number;
	added.set(first, id1);
	const id2 = bindOne(g, second, b.byClass, added, () => nearby(g, char, b.lastObject, [first, second]), seed);
	if (id2 === undefined || id1 === id2) return undefined;
	return { ids: [id1, id2], bindings: { byClass: merged(b.byClass, added), lastObject: id2 } };
};
