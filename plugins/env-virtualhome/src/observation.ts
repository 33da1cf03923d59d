/**
 * The observation text SPA-RL builds after a successful step (docs/environments/virtualhome.md), with the
 * hash-ordered sets of the original sorted for determinism.
 */
import type { Graph } from "./graph.ts";
import type { SimState } from "./state.ts";

/** The text of a failed step (precondition false, unknown object, unparsable line). */
export const NOTHING_HAPPENS = "Nothing happens.";

/**
 * `get_visible_nodes`: nodes INSIDE the character's room (and, transitively, INSIDE those), minus
 * those INSIDE a non-room container that is not OPEN; plus every room and the held objects.
 */
export const visibleNodes = (s: SimState): Set<number> => {
	const g = s.graph;
	const visible = new Set<number>();
	const isRoom = (id: number) => g.node(id).category === "Rooms";
	for (const room of g.from(s.char, "INSIDE")) {
		if (!isRoom(room)) continue;
		let frontier = [...g.to(room, "INSIDE")];
		const seen = new Set<number>(frontier);
		while (frontier.length > 0) {
			const next: number[] = [];
			for (const id of frontier) {
				let hidden = false;
				for (const c of g.from(id, "INSIDE")) if (!isRoom(c) && !g.node(c).states.has("OPEN")) hidden = true;
				if (!hidden) visible.add(id);
				for (const inner of g.to(id, "INSIDE"))
					if (!seen.has(inner)) {
						seen.add(inner);
						next.push(inner);
					}
			}
			frontier = next;
		}
	}
	for (const n of g.nodes.values()) if (n.category === "Rooms") visible.add(n.id);
	for (const h of g.from(s.char, "HOLDS_RH")) visible.add(h);
	for (const h of g.from(s.char, "HOLDS_LH")) visible.add(h);
	return visible;
};

/**
 * Whether one node is in `visibleNodes(s)`, without building the whole set: a room, a held object,
 * or a node whose INSIDE chain reaches the character's room and whose own containers are all OPEN.
 */
export const isVisible = (s: SimState, id: number, charRooms: ReadonlySet<number>): boolean => {
	const g = s.graph;
	const node = g.node(id);
	if (node.category === "Rooms" || g.has(s.char, "HOLDS_RH", id) || g.has(s.char, "HOLDS_LH", id)) return true;
	for (const c of g.from(id, "INSIDE"))
		if (g.node(c).category !== "Rooms" && !g.node(c).states.has("OPEN")) return false;
	// Reachability: some INSIDE chain from the node ends in the character's room.
	const seen = new Set<number>([id]);
	const stack = [id];
	while (stack.length > 0) {
		const n = stack.pop() as number;
		for (const c of g.from(n, "INSIDE")) {
			if (charRooms.has(c)) return true;
			if (!seen.has(c)) {
				seen.add(c);
				stack.push(c);
			}
		}
	}
	return false;
};

/** `{class} is {STATE1} and {STATE2}` (states sorted), or the bare class name. */
const phrase = (g: Graph, id: number): string => {
	const n = g.node(id);
	if (n.states.size === 0) return n.className;
	return `${n.className} is ${[...n.states].sort().join(" and ")}`;
};

/**
 * The observation after a successful step: phrases for every node of the classes the character is
 * CLOSE to and sees, then the non-proximity relations among the close nodes, then `You have …`.
 * Every sentence ends with `. `.
 */
export const buildObservation = (s: SimState): string => {
	const g = s.graph;
	const close = g.from(s.char, "CLOSE");
	let names: Set<string> | undefined;
	if (close.size > 0) {
		const rooms = new Set<number>();
		for (const r of g.from(s.char, "INSIDE")) if (g.node(r).category === "Rooms") rooms.add(r);
		names = new Set<string>();
		for (const id of close) if (isVisible(s, id, rooms)) names.add(g.node(id).className);
	}
	const phrases = new Set<string>();
	const relations = new Set<string>();
	if (names !== undefined && names.size > 0) {
		for (const n of g.nodes.values()) if (names.has(n.className)) phrases.add(phrase(g, n.id));
		const members = [...close].filter((id) => names.has(g.node(id).className));
		const memberSet = new Set(members);
		for (const from of members) {
			for (const e of relationsFrom(g, from)) {
				if (memberSet.has(e.to)) relations.add(`${g.node(from).className} ${e.relation} ${g.node(e.to).className}`);
			}
		}
	}
	const p = [...phrases].sort();
	const r = [...relations].sort();
	let text = "";
	if (p.length > 0) text = r.length > 0 ? `${p.join(", ")}, ${r.join(", ")}. ` : `${p.join(", ")}. `;
	else if (r.length > 0) text = `${r.join(", ")}. `;
	const hands = [...g.from(s.char, "HOLDS_RH"), ...g.from(s.char, "HOLDS_LH")].sort((a, b) => a - b);
	if (hands.length > 0) text += `You have ${hands.map((h) => g.node(h).className).join(", ")}. `;
	return text;
};

/** Relations rendered between close objects: all but CLOSE, FACING, INSIDE, HOLDS_LH, HOLDS_RH. */
const RENDERED = ["ON", "BETWEEN", "SITTING"] as const;

/** The rendered edges leaving a node. */
const relationsFrom = (g: Graph, from: number): Array<{ relation: string; to: number }> => {
	const out: Array<{ relation: string; to: number }> = [];
	for (const relation of RENDERED) for (const to of g.from(from, relation)) out.push({ relation, to });
	return out;
};
