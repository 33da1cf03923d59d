/**
 * The oracle expert: knows where everything is and plans the shortest command sequence from the
 * current state (any state, so it also recovers after other actions): drop a useless held object,
 * `go to` the receptacle holding the cheapest target instance, `open` if closed, `take`,
 * `heat|cool|clean` at the appliance, `go to` the goal receptacle, `open` if closed, `put`; pick-two
 * does it twice into the same receptacle instance; look takes the object to a lamp and uses it.
 * Every `go to` costs one step, so plans are compared by length.
 */
import { canContain } from "./data.ts";
import { processed } from "./goals.ts";
import type { Command } from "./rules.ts";
import { type Receptacle, type SceneObject, sameLocation, type TaskType, type WorldState } from "./state.ts";

/** The appliance type a task needs, if any. */
export const applianceOf = (type: TaskType): string | undefined =>
	type === "pick_heat_then_place_in_recep"
		? "microwave"
		: type === "pick_cool_then_place_in_recep"
			? "fridge"
			: type === "pick_clean_then_place_in_recep"
				? "sinkbasin"
				: undefined;

const processKind = (type: TaskType): "heat" | "cool" | "clean" | undefined =>
	type === "pick_heat_then_place_in_recep"
		? "heat"
		: type === "pick_cool_then_place_in_recep"
			? "cool"
			: type === "pick_clean_then_place_in_recep"
				? "clean"
				: undefined;

/** A lightweight simulation of where the agent is, what it holds and what is open. */
interface Sim {
	at: number;
	holding: number;
	readonly opened: Uint8Array;
	readonly objectIn: Int16Array;
	readonly plan: Command[];
}

const copySim = (s: Sim): Sim => ({
	at: s.at,
	holding: s.holding,
	opened: s.opened.slice(),
	objectIn: s.objectIn.slice(),
	plan: s.plan.slice(),
});

/** `go to r` unless the agent already stands at its location (then there is no such command). */
const goTo = (state: WorldState, s: Sim, r: number): void => {
	if (!sameLocation(state.scene, s.at, r)) {
		s.plan.push({ kind: "goto", r });
		s.at = r;
	}
};

const visit = (state: WorldState, s: Sim, r: number): void => {
	goTo(state, s, r);
	if ((state.scene.receptacles[r] as Receptacle).openable && s.opened[r] !== 1) {
		s.plan.push({ kind: "open", r });
		s.opened[r] = 1;
	}
};

const take = (state: WorldState, s: Sim, o: number): void => {
	const r = s.objectIn[o] as number;
	visit(state, s, r);
	s.plan.push({ kind: "take", o, r });
	s.objectIn[o] = -1;
	s.holding = o;
};

const put = (state: WorldState, s: Sim, r: number): void => {
	visit(state, s, r);
	s.plan.push({ kind: "put", o: s.holding, r });
	s.objectIn[s.holding] = r;
	s.holding = -1;
};

const instancesOf = (state: WorldState, type: string): number[] => {
	const out: number[] = [];
	state.scene.receptacles.forEach((r, i) => {
		if (r.type === type) out.push(i);
	});
	return out;
};

/** Put a useless held object down: here if possible, else at the first receptacle that takes it. */
const dropHeld = (state: WorldState, s: Sim, avoidType: string): boolean => {
	const held = state.scene.objects[s.holding] as SceneObject;
	const recs = state.scene.receptacles;
	const ok = (r: number) =>
		canContain((recs[r] as Receptacle).type, held.type) && (recs[r] as Receptacle).type !== avoidType;
	let best = -1;
	let bestCost = Number.POSITIVE_INFINITY;
	for (let r = 0; r < recs.length; r++) {
		if (!ok(r)) continue;
		const cost =
			(sameLocation(state.scene, s.at, r) ? 0 : 1) + ((recs[r] as Receptacle).openable && s.opened[r] !== 1 ? 1 : 0);
		if (cost < bestCost) {
			bestCost = cost;
			best = r;
		}
	}
	if (best < 0) return false;
	put(state, s, best);
	return true;
};

/** Take object `o` (unless held), process it if the task needs it. */
const fetchAndProcess = (state: WorldState, s: Sim, o: number): boolean => {
	const goal = state.scene.goal;
	if (s.holding !== o) take(state, s, o);
	const kind = processKind(goal.type);
	if (kind !== undefined && !processed(state, goal.type, o)) {
		const appliances = instancesOf(state, applianceOf(goal.type) as string);
		const here = appliances.find((r) => sameLocation(state.scene, s.at, r)) ?? appliances[0];
		if (here === undefined) return false;
		goTo(state, s, here);
		s.plan.push({ kind, o, r: here });
	}
	return true;
};

const targetObjects = (state: WorldState, s: Sim): number[] => {
	const out: number[] = [];
	state.scene.objects.forEach((obj, o) => {
		if (obj.type === state.scene.goal.obj && (s.objectIn[o] as number) >= 0) out.push(o);
	});
	return out;
};

const better = (a: Sim | undefined, b: Sim | undefined): Sim | undefined =>
	b === undefined ? a : a === undefined || b.plan.length < a.plan.length ? b : a;

/** Plan from a state whose hands hold nothing useless. */
const planFrom = (state: WorldState, s0: Sim): Sim | undefined => {
	const { goal, objects } = state.scene;
	if (goal.type === "look_at_obj_in_light") {
		const lamps = objects.flatMap((obj, o) => (obj.type === goal.toggle && (s0.objectIn[o] as number) >= 0 ? [o] : []));
		const candidates = s0.holding >= 0 ? [s0.holding] : targetObjects(state, s0);
		let best: Sim | undefined;
		for (const o of candidates)
			for (const lamp of lamps) {
				const s = copySim(s0);
				if (s.holding !== o) take(state, s, o);
				goTo(state, s, s.objectIn[lamp] as number);
				s.plan.push({ kind: "use", o: lamp });
				best = better(best, s);
			}
		return best;
	}
	const dests = instancesOf(state, goal.recep);
	let best: Sim | undefined;
	for (const d of dests) {
		let s: Sim | undefined = copySim(s0);
		const have = objects.filter(
			(_, o) => objects[o]?.type === goal.obj && s?.objectIn[o] === d && processed(state, goal.type, o),
		).length;
		const need = (goal.type === "pick_two_obj_and_place" ? 2 : 1) - have;
		for (let k = 0; k < need && s !== undefined; k++) {
			const cur: Sim = s;
			let step: Sim | undefined;
			const candidates =
				cur.holding >= 0
					? [cur.holding]
					: targetObjects(state, cur).filter((o) => cur.objectIn[o] !== d || !processed(state, goal.type, o));
			for (const o of candidates) {
				const t = copySim(cur);
				if (!fetchAndProcess(state, t, o)) continue;
				put(state, t, d);
				step = better(step, t);
			}
			s = step;
		}
		best = better(best, s);
	}
	return best;
};

/** The oracle's full plan from the current state, or undefined if it finds none. */
export const oraclePlan = (state: WorldState): ReadonlyArray<Command> | undefined => {
	const { goal, objects } = state.scene;
	const s: Sim = {
		at: state.agentAt,
		holding: state.holding,
		opened: state.opened.slice(),
		objectIn: state.objectIn.slice(),
		plan: [],
	};
	if (s.holding >= 0 && (objects[s.holding] as SceneObject).type !== goal.obj) {
		if (!dropHeld(state, s, goal.recep)) return undefined;
	}
	return planFrom(state, s)?.plan;
};
