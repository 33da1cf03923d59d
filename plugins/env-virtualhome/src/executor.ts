/**
 * The evolving-graph executors (VirtualHome `execution.py`, docs/environments/virtualhome.md), one per action.
 * Each checks its preconditions on the current state and, only when they all hold, applies its
 * effects in place and returns true; a false answer leaves the state untouched.
 */
import type { NodeState, Property } from "./graph.ts";
import type { ActionName } from "./parse.ts";
import { freeHand, held, holdingHand, insideClosed, isClose, isFacing, roomOf, type SimState } from "./state.ts";

type Executor = (s: SimState, ids: ReadonlyArray<number>, action: ActionName) => boolean;

const hasProp = (s: SimState, id: number, p: Property): boolean => s.graph.node(id).properties.has(p);

const swapState = (s: SimState, id: number, remove: NodeState, add: NodeState): void => {
	const states = s.graph.node(id).states;
	states.delete(remove);
	states.add(add);
};

const charStates = (s: SimState): Set<NodeState> => s.graph.node(s.char).states;
const sittingOrLying = (s: SimState): boolean => charStates(s).has("SITTING") || charStates(s).has("LYING");

/** WALK / RUN (and FIND when not close): move INSIDE the target's room and CLOSE to it. */
const walk: Executor = (s, [x]) => {
	const g = s.graph;
	const id = x as number;
	if (sittingOrLying(s)) return false;
	const charRoom = roomOf(g, s.char);
	const nodeRoom = roomOf(g, id);
	if (charRoom === undefined || nodeRoom === undefined) return false;
	// `_check_closed_doors` returns [] at the commit read: closed doors never block a walk.
	const inHands = held(s);
	g.deleteAll(s.char, ["INSIDE", "CLOSE", "FACING"], true);
	g.add(s.char, "INSIDE", nodeRoom);
	if (nodeRoom !== id) {
		// `BoxObjectNode`: the non-room containers of the target, then the target itself.
		for (const c of [...g.from(id, "INSIDE")]) if (g.node(c).category !== "Rooms") g.addBoth(s.char, "CLOSE", c);
		g.addBoth(s.char, "CLOSE", id);
	}
	for (const h of inHands) g.deleteAll(h, ["INSIDE", "CLOSE", "FACING"], true);
	for (const h of inHands) {
		g.addBoth(s.char, "CLOSE", h);
		// The held object goes INSIDE the room the character was in before the walk [quirk].
		g.add(h, "INSIDE", charRoom);
	}
	if (hasProp(s, id, "CAN_OPEN")) for (const n of [...g.to(id, "INSIDE")]) g.addBoth(s.char, "CLOSE", n);
	for (const n of [...g.from(id, "ON")]) g.addBoth(s.char, "CLOSE", n);
	return true;
};

/** `_FindExecutor`: already close → CLOSE edge, FACING dropped. */
const findOnly: Executor = (s, [x]) => {
	const id = x as number;
	if (!isClose(s, id)) return false;
	s.graph.deleteAll(s.char, ["FACING"], false);
	s.graph.addBoth(s.char, "CLOSE", id);
	return true;
};

const find: Executor = (s, ids, action) => {
	const g = s.graph;
	const id = ids[0] as number;
	if (g.has(id, "ON", s.char) || hasProp(s, id, "BODY_PART") || isClose(s, id) || sittingOrLying(s))
		return findOnly(s, ids, action);
	return walk(s, ids, action) || findOnly(s, ids, action);
};

const grab: Executor = (s, [x]) => {
	const g = s.graph;
	const id = x as number;
	const cls = g.node(id).className;
	if (!hasProp(s, id, "GRABBABLE") && cls !== "water" && cls !== "child") return false;
	if (s.grabbed.has(id)) return false;
	if (!isClose(s, id)) return false;
	if (insideClosed(s, id)) return false;
	const hand = freeHand(s);
	if (hand === undefined) return false;
	const charRoom = roomOf(g, s.char);
	// `_find_first_node_from(node, [ON, INSIDE, CLOSE])`; the original iterates a Python set of ids,
	// we take the lowest id.
	let origin: { dest: number; relation: "ON" | "INSIDE" | "CLOSE" } | undefined;
	for (const relation of ["ON", "INSIDE", "CLOSE"] as const) {
		let first: number | undefined;
		for (const n of g.from(id, relation))
			if (g.node(n).category !== "Rooms" && (first === undefined || n < first)) first = n;
		if (first !== undefined) {
			origin = { dest: first, relation };
			break;
		}
	}
	g.deleteAll(id, ["ON", "INSIDE", "CLOSE", "HOLDS_LH", "HOLDS_RH"], true);
	g.addBoth(s.char, "CLOSE", id);
	g.add(s.char, hand, id);
	if (charRoom !== undefined) g.add(id, "INSIDE", charRoom);
	if (origin !== undefined) {
		g.addBoth(s.char, "CLOSE", origin.dest);
		s.grabbed.set(id, origin);
	}
	return true;
};

const openClose =
	(close: boolean): Executor =>
	(s, [x]) => {
		const id = x as number;
		const node = s.graph.node(id);
		if (!hasProp(s, id, "CAN_OPEN") && node.className !== "desk" && node.className !== "window") return false;
		if (!isClose(s, id)) return false;
		if (!close && freeHand(s) === undefined) return false;
		if (!node.states.has(close ? "OPEN" : "CLOSED")) return false;
		if (!close && node.states.has("ON")) return false;
		swapState(s, id, close ? "OPEN" : "CLOSED", close ? "CLOSED" : "OPEN");
		return true;
	};

/** `_check_puttable`. */
const puttable = (s: SimState, src: number, dest: number, relation: string): boolean => {
	if (holdingHand(s, src) === undefined) return false;
	if (!isClose(s, dest)) return false;
	if (relation === "INSIDE") return !hasProp(s, dest, "CAN_OPEN") || s.graph.node(dest).states.has("OPEN");
	return true;
};

const applyPut = (s: SimState, src: number, dest: number, relation: "ON" | "INSIDE" | "CLOSE"): void => {
	const g = s.graph;
	g.delete(s.char, "HOLDS_LH", src);
	g.delete(s.char, "HOLDS_RH", src);
	g.addBoth(s.char, "CLOSE", dest);
	g.addBoth(src, "CLOSE", dest);
	g.add(src, relation, dest);
	s.grabbed.delete(src);
};

const put =
	(relation: "ON" | "INSIDE"): Executor =>
	(s, [src, dest]) => {
		if (!puttable(s, src as number, dest as number, relation)) return false;
		applyPut(s, src as number, dest as number, relation);
		return true;
	};

const putObjBack: Executor = (s, [x]) => {
	const id = x as number;
	const origin = s.grabbed.get(id);
	if (origin === undefined) return false;
	if (!puttable(s, id, origin.dest, origin.relation)) return false;
	applyPut(s, id, origin.dest, origin.relation as "ON" | "INSIDE" | "CLOSE");
	return true;
};

const switchOnOff =
	(on: boolean): Executor =>
	(s, [x]) => {
		const id = x as number;
		const states = s.graph.node(id).states;
		if (!hasProp(s, id, "HAS_SWITCH")) return false;
		if (!isClose(s, id)) return false;
		if (!states.has(on ? "OFF" : "ON")) return false;
		if (on && states.has("PLUGGED_OUT")) return false;
		swapState(s, id, on ? "OFF" : "ON", on ? "ON" : "OFF");
		return true;
	};

const drink: Executor = (s, [x]) =>
	(hasProp(s, x as number, "DRINKABLE") || hasProp(s, x as number, "RECIPIENT")) &&
	holdingHand(s, x as number) !== undefined;

const turnTo: Executor = (s, [x]) => {
	s.graph.deleteAll(s.char, ["FACING"], false);
	s.graph.add(s.char, "FACING", x as number);
	return true;
};

const lookAt: Executor = (s, [x]) => isFacing(s, x as number);

const clean: Executor = (s, [x]) => {
	swapState(s, x as number, "DIRTY", "CLEAN");
	return true;
};

const wipe: Executor = (s, ids, a) => isClose(s, ids[0] as number) && held(s).length > 0 && clean(s, ids, a);
const wash: Executor = (s, ids, a) => isClose(s, ids[0] as number) && clean(s, ids, a);

const putOn: Executor = (s, [x]) => {
	const id = x as number;
	if (holdingHand(s, id) === undefined || !hasProp(s, id, "CLOTHES")) return false;
	s.graph.add(id, "ON", s.char);
	s.graph.delete(s.char, "HOLDS_LH", id);
	s.graph.delete(s.char, "HOLDS_RH", id);
	return true;
};

/** PUTOFF never succeeds: SPA's executor calls `check_putoff` with a missing argument and raises [quirk]. */
const putOff: Executor = () => false;

const greet: Executor = (s, [x]) => hasProp(s, x as number, "PERSON");

const drop: Executor = (s, [x]) => {
	const id = x as number;
	if (holdingHand(s, id) === undefined) return false;
	const room = roomOf(s.graph, s.char);
	s.graph.delete(s.char, "HOLDS_LH", id);
	s.graph.delete(s.char, "HOLDS_RH", id);
	if (room !== undefined) s.graph.add(id, "INSIDE", room);
	s.grabbed.delete(id);
	return true;
};

const read: Executor = (s, [x]) => hasProp(s, x as number, "READABLE") && holdingHand(s, x as number) !== undefined;

const touch: Executor = (s, [x]) => isClose(s, x as number) && !insideClosed(s, x as number);

/** Objects ON a node (any node with an ON edge to it), for seat capacity. */
const onCount = (s: SimState, id: number): number => s.graph.to(id, "ON").size;

const SIT_CAPACITY: Record<string, number> = {
	couch: 4,
	bed: 4,
	chair: 1,
	loveseat: 2,
	sofa: 4,
	toilet: 1,
	pianobench: 2,
	bench: 2,
};
const LIE_CAPACITY: Record<string, number> = { couch: 2, bathtub: 2, bed: 3, loveseat: 2, sofa: 2, bench: 1 };

const sit: Executor = (s, [x]) => {
	const g = s.graph;
	const id = x as number;
	if (!isClose(s, id) || charStates(s).has("SITTING") || !hasProp(s, id, "SITTABLE")) return false;
	if (onCount(s, id) >= (SIT_CAPACITY[g.node(id).className] ?? 1)) return false;
	charStates(s).delete("LYING");
	charStates(s).add("SITTING");
	g.add(s.char, "ON", id);
	for (const f of [...g.from(id, "FACING")]) g.add(s.char, "FACING", f);
	return true;
};

const lie: Executor = (s, [x]) => {
	const id = x as number;
	if (!isClose(s, id) || charStates(s).has("LYING") || !hasProp(s, id, "LIEABLE")) return false;
	if (onCount(s, id) >= (LIE_CAPACITY[s.graph.node(id).className] ?? 1)) return false;
	charStates(s).delete("SITTING");
	charStates(s).add("LYING");
	s.graph.add(s.char, "ON", id);
	return true;
};

/** STANDUP clears SITTING/LYING; the character's ON edge to the seat stays, as in the original [quirk]. */
const standUp: Executor = (s) => {
	if (!sittingOrLying(s)) return false;
	charStates(s).delete("SITTING");
	charStates(s).delete("LYING");
	return true;
};

const pour: Executor = (s, [src, dest]) => {
	const a = src as number;
	const b = dest as number;
	if (!hasProp(s, a, "POURABLE") && !hasProp(s, a, "DRINKABLE")) return false;
	const destClass = s.graph.node(b).className;
	if (!hasProp(s, b, "RECIPIENT") && !["hands_both", "sponge", "face"].includes(destClass)) return false;
	if (holdingHand(s, a) === undefined || !isClose(s, b)) return false;
	s.graph.add(a, "INSIDE", b);
	if (s.graph.node(a).className === "water") {
		s.graph.delete(s.char, "HOLDS_LH", a);
		s.graph.delete(s.char, "HOLDS_RH", a);
	}
	return true;
};

const type: Executor = (s, [x]) =>
	isClose(s, x as number) &&
	(s.graph.node(x as number).className === "keyboard" || hasProp(s, x as number, "HAS_SWITCH"));

/** WATCH: lookable, same room, facing; when seated it must face the node directly (computers excepted). */
const watch: Executor = (s, [x]) => {
	const id = x as number;
	const g = s.graph;
	if (!hasProp(s, id, "LOOKABLE")) return false;
	const nodeRoom = roomOf(g, id);
	if (nodeRoom === undefined || nodeRoom !== roomOf(g, s.char)) return false;
	if (!isFacing(s, id)) return false;
	if (g.node(id).className !== "computer" && sittingOrLying(s) && !g.has(s.char, "FACING", id)) return false;
	return true;
};

/** PUSH / PULL / MOVE (push passes the movable check for anything, as the original's condition reads). */
const move: Executor = (s, [x], action) => {
	const id = x as number;
	const cls = s.graph.node(id).className;
	const name = action.toLowerCase();
	if (!hasProp(s, id, "MOVABLE") && name !== "push" && cls !== "button" && cls !== "chair" && cls !== "curtain")
		return false;
	return isClose(s, id) && !insideClosed(s, id) && freeHand(s) !== undefined;
};

const SQUEEZABLE = new Set([
	"cleaning_solution",
	"tooth_paste",
	"shampoo",
	"food_peanut_butter",
	"dish_soap",
	"soap",
	"towel",
	"rag",
	"paper",
	"sponge",
	"food_lemon",
	"check",
]);

const squeeze: Executor = (s, [x]) =>
	freeHand(s) !== undefined &&
	isClose(s, x as number) &&
	(hasProp(s, x as number, "CLOTHES") || SQUEEZABLE.has(s.graph.node(x as number).className));

const plug =
	(plugIn: boolean): Executor =>
	(s, [x]) => {
		const id = x as number;
		if (!hasProp(s, id, "HAS_PLUG") || !isClose(s, id) || freeHand(s) === undefined) return false;
		if (!s.graph.node(id).states.has(plugIn ? "PLUGGED_OUT" : "PLUGGED_IN")) return false;
		swapState(s, id, plugIn ? "PLUGGED_OUT" : "PLUGGED_IN", plugIn ? "PLUGGED_IN" : "PLUGGED_OUT");
		return true;
	};

const cut: Executor = (s, [x]) =>
	freeHand(s) !== undefined &&
	isClose(s, x as number) &&
	hasProp(s, x as number, "EATABLE") &&
	hasProp(s, x as number, "CUTTABLE") &&
	held(s).some((h) => s.graph.node(h).className.includes("knife"));

const eat: Executor = (s, [x]) => {
	const id = x as number;
	if (!isClose(s, id)) return false;
	if (hasProp(s, id, "EATABLE")) return true;
	for (const n of s.graph.to(id, "ON")) if (hasProp(s, n, "EATABLE")) return true;
	return false;
};

const restful: Executor = (s) => sittingOrLying(s);

/** The executor of every action (ScriptExecutor's table). */
export const EXECUTORS: Record<ActionName, Executor> = {
	WALK: walk,
	RUN: walk,
	FIND: find,
	SIT: sit,
	STANDUP: standUp,
	GRAB: grab,
	OPEN: openClose(false),
	CLOSE: openClose(true),
	PUTBACK: put("ON"),
	PUTIN: put("INSIDE"),
	PUTOBJBACK: putObjBack,
	SWITCHON: switchOnOff(true),
	SWITCHOFF: switchOnOff(false),
	DRINK: drink,
	LOOKAT: lookAt,
	POINTAT: lookAt,
	TURNTO: turnTo,
	WIPE: wipe,
	PUTON: putOn,
	PUTOFF: putOff,
	GREET: greet,
	DROP: drop,
	RELEASE: drop,
	READ: read,
	TOUCH: touch,
	LIE: lie,
	POUR: pour,
	TYPE: type,
	WATCH: watch,
	PUSH: move,
	PULL: move,
	MOVE: move,
	WASH: wash,
	RINSE: wash,
	SCRUB: wash,
	SQUEEZE: squeeze,
	PLUGIN: plug(true),
	PLUGOUT: plug(false),
	CUT: cut,
	EAT: eat,
	SLEEP: restful,
	WAKEUP: restful,
};

/** Execute one grounded action; true when it succeeded (the state was changed in place). */
export const execute = (s: SimState, action: ActionName, ids: ReadonlyArray<number>): boolean =>
	EXECUTORS[action](s, ids, action);
