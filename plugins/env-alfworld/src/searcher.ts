/**
 * The searcher expert, in the style of ALFWorld's hand-coded expert: it knows only the receptacle
 * list of the intro and what its observations revealed. It works through the task's subgoals (find
 * the object → take → find the appliance → heat/cool/clean → find the goal receptacle → put; pick-two
 * twice; look: find the object, then a lamp, and use it). "Find X" goes to a receptacle where X was
 * seen, or visits unchecked receptacles in order of the `canContain` prior, opening closed ones on
 * arrival and closing them again before it leaves. A wrong held object goes back where it came from.
 */
import { canContain } from "./data.ts";
import { goalSatisfied, processed } from "./goals.ts";
import { applianceOf } from "./oracle.ts";
import { lampHosts, placementWeight } from "./priors.ts";
import { admissible, type Command, commandText, execute } from "./rules.ts";
import { type Receptacle, type Scene, type SceneObject, sameLocation, WorldState } from "./state.ts";

/** What the searcher has observed during the episode (updated by the env after every valid step). */
export class SearchMemory {
	/** Receptacle each object was last seen in (-1: unknown or taken). */
	readonly seenIn: Int16Array;
	/** Receptacles whose inside the agent has seen. */
	readonly checked: Uint8Array;
	/** Receptacles opened during the episode and not closed since (the close backlog). */
	readonly openedHere: Uint8Array;
	/** Where each object was taken from (-1: never taken). */
	readonly takenFrom: Int16Array;

	constructor(state: WorldState) {
		this.seenIn = new Int16Array(state.scene.objects.length).fill(-1);
		this.checked = new Uint8Array(state.scene.receptacles.length);
		this.openedHere = new Uint8Array(state.scene.receptacles.length);
		this.takenFrom = new Int16Array(state.scene.objects.length).fill(-1);
	}

	/** Record a valid command and what the agent sees after it. */
	observe(state: WorldState, c: Command): void {
		if (c.kind === "open") this.openedHere[c.r] = 1;
		if (c.kind === "close") this.openedHere[c.r] = 0;
		if (c.kind === "take") {
			this.takenFrom[c.o] = c.r;
			this.seenIn[c.o] = -1;
		}
		if (c.kind === "put") this.seenIn[c.o] = c.r;
		// The receptacle the command showed: the one it names (with co-located receptacles, not
		// necessarily the one the agent went to), else the one the agent stands at.
		const r = "r" in c ? c.r : state.agentAt;
		if (r < 0 || !state.visible(r)) return;
		this.checked[r] = 1;
		for (let o = 0; o < state.objectIn.length; o++) {
			if (state.objectIn[o] === r) this.seenIn[o] = r;
			else if (this.seenIn[o] === r) this.seenIn[o] = -1;
		}
	}
}

/** Search order for an object type: receptacles that can hold it, most likely first (the prior). */
const orderCache = new WeakMap<ReadonlyArray<Receptacle>, Map<string, number[]>>();
const searchOrder = (state: WorldState, otype: string): number[] => {
	const recs = state.scene.receptacles;
	let byType = orderCache.get(recs);
	if (byType === undefined) {
		byType = new Map();
		orderCache.set(recs, byType);
	}
	let order = byType.get(otype);
	if (order === undefined) {
		order = computeOrder(recs, otype);
		byType.set(otype, order);
	}
	return order;
};

const computeOrder = (recs: ReadonlyArray<Receptacle>, otype: string): number[] => {
	const lamp = otype === "desklamp" || otype === "floorlamp";
	const score = (r: Receptacle) =>
		lamp ? (lampHosts.has(r.type) ? 1 : 0) : canContain(r.type, otype) ? placementWeight(r.type) : 0;
	return recs
		.map((r, i) => [i, score(r)] as const)
		.filter(([, s]) => s > 0)
		.sort((a, b) => {
			const ra = recs[a[0]] as Receptacle;
			const rb = recs[b[0]] as Receptacle;
			return b[1] - a[1] || (ra.type < rb.type ? -1 : ra.type > rb.type ? 1 : ra.num - rb.num);
		})
		.map(([i]) => i);
};

/**
 * Go to `r` (closing what we opened at this location first), then open it if closed. A receptacle
 * that shares the agent's location needs no `go to` (there is no such command).
 */
const approach = (state: WorldState, mem: SearchMemory, r: number): Command => {
	if (!sameLocation(state.scene, state.agentAt, r)) {
		for (const here of state.here())
			if (mem.openedHere[here] === 1 && state.opened[here] === 1) return { kind: "close", r: here };
		return { kind: "goto", r };
	}
	const rec = state.scene.receptacles[r] as Receptacle;
	if (rec.openable && state.opened[r] !== 1) return { kind: "open", r };
	return { kind: "examineReceptacle", r };
};

/** Find an object of `otype` (not in `exclude`): take it where it was seen, else explore. */
const find = (
	state: WorldState,
	mem: SearchMemory,
	otype: string,
	exclude: number,
	onFound: (o: number, r: number) => Command,
): Command | undefined => {
	const objects = state.scene.objects;
	let where = -1;
	let which = -1;
	for (let o = 0; o < objects.length; o++) {
		const r = mem.seenIn[o] as number;
		if (r < 0 || r === exclude || (objects[o] as SceneObject).type !== otype) continue;
		if (where < 0 || sameLocation(state.scene, r, state.agentAt)) {
			where = r;
			which = o;
		}
	}
	if (where >= 0) {
		const step = approach(state, mem, where);
		return step.kind === "examineReceptacle" ? onFound(which, where) : step;
	}
	for (const r of searchOrder(state, otype)) {
		if (mem.checked[r] === 1) continue;
		// An unchecked receptacle here that needs no opening shares the agent's location: look at it.
		return approach(state, mem, r);
	}
	return undefined;
};

/** The searcher's next command, or undefined when it is stuck (the env then falls back to the oracle). */
export const searcherAction = (state: WorldState, mem: SearchMemory): Command | undefined => {
	const { goal, objects, receptacles } = state.scene;
	const h = state.holding;
	const recIndex = (type: string) => receptacles.findIndex((r) => r.type === type);
	if (h >= 0) {
		const held = objects[h] as SceneObject;
		if (held.type !== goal.obj) {
			// A wrong object: return it where it came from (or anywhere that takes it).
			const from = mem.takenFrom[h] as number;
			const back =
				from >= 0 && canContain((receptacles[from] as Receptacle).type, held.type)
					? from
					: receptacles.findIndex((r) => canContain(r.type, held.type) && r.type !== goal.recep);
			if (back < 0) return undefined;
			const step = approach(state, mem, back);
			return step.kind === "examineReceptacle" ? { kind: "put", o: h, r: back } : step;
		}
		if (goal.type === "look_at_obj_in_light")
			return find(state, mem, goal.toggle, -1, (lamp) => ({ kind: "use", o: lamp }));
		const appliance = applianceOf(goal.type);
		if (appliance !== undefined && !processed(state, goal.type, h)) {
			const r = recIndex(appliance);
			if (r < 0) return undefined;
			if (!sameLocation(state.scene, state.agentAt, r)) return approach(state, mem, r);
			const kind = appliance === "microwave" ? "heat" : appliance === "fridge" ? "cool" : "clean";
			return { kind, o: h, r };
		}
		// Place it: pick-two goes back to the receptacle that already holds the first one.
		let dest = -1;
		if (goal.type === "pick_two_obj_and_place")
			for (let o = 0; o < objects.length; o++) {
				const r = state.objectIn[o] as number;
				if (
					r >= 0 &&
					(objects[o] as SceneObject).type === goal.obj &&
					(receptacles[r] as Receptacle).type === goal.recep
				)
					dest = r;
			}
		if (dest < 0) dest = recIndex(goal.recep);
		if (dest < 0) return undefined;
		const step = approach(state, mem, dest);
		return step.kind === "examineReceptacle" ? { kind: "put", o: h, r: dest } : step;
	}
	// Hands empty: find a target object (pick-two: one not already in the goal receptacle).
	let exclude = -1;
	if (goal.type === "pick_two_obj_and_place")
		for (let o = 0; o < objects.length; o++) {
			const r = state.objectIn[o] as number;
			if (r >= 0 && (objects[o] as SceneObject).type === goal.obj && (receptacles[r] as Receptacle).type === goal.recep)
				exclude = r;
		}
	return find(state, mem, goal.obj, exclude, (o, r) => ({ kind: "take", o, r }));
};

/**
 * Play the searcher from the start of a scene; the number of steps it needed, or undefined if it
 * did not reach the goal within `limit` steps (or proposed a command that is not admissible).
 */
export const searcherSolves = (scene: Scene, limit: number): number | undefined => {
	const state = new WorldState(scene);
	const mem = new SearchMemory(state);
	const text = { grammar: "current", intro: "banner", arrive: "raw" } as const;
	for (let t = 1; t <= limit; t++) {
		const c = searcherAction(state, mem);
		if (c === undefined || !admissible(state, "current").byText.has(commandText(state, c, "current"))) return undefined;
		execute(state, c, text);
		mem.observe(state, c);
		if (goalSatisfied(state)) return t;
	}
	return undefined;
};
