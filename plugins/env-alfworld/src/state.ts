/**
 * The ALFWorld world state (the PDDL domain `alfred.pddl`, reduced to what the six tasks use):
 * receptacles at their own locations, movable objects in at most one receptacle or in the agent's
 * single hand, and the object flags hot / cool / clean / toggled / on / sliced.
 */
import {
	cleanableTypes,
	coolableTypes,
	heatableTypes,
	knifeTypes,
	sliceableTypes,
	toggleableTypes,
	unpickupableTypes,
} from "./data.ts";

/**
 * A fixed receptacle (furniture or appliance). It stands at one location; in ALFWorld two or more
 * receptacles can share one (see `Scene.sharedLocations`).
 */
export interface Receptacle {
	/** Instance name as the text shows it, `cabinet 3`. */
	readonly name: string;
	readonly type: string;
	readonly num: number;
	/** Openable instance (legacy data has some non-openable drawers and cabinets). */
	readonly openable: boolean;
	/** The number of its location, shown by the legacy `You arrive at loc {N}.` text; equal for co-located receptacles. */
	readonly loc: number;
}

/** A movable object and its static properties. */
export interface SceneObject {
	readonly name: string;
	readonly type: string;
	readonly num: number;
	readonly pickupable: boolean;
	readonly heatable: boolean;
	readonly coolable: boolean;
	readonly cleanable: boolean;
	readonly toggleable: boolean;
	readonly sliceable: boolean;
	readonly isKnife: boolean;
	/** PDDL `isReceptacleObject` (examine shows its contents); our generated scenes never set it. */
	readonly receptacleObject: boolean;
}

/** The six task types of ALFWorld. */
export type TaskType =
	| "pick_and_place_simple"
	| "look_at_obj_in_light"
	| "pick_clean_then_place_in_recep"
	| "pick_heat_then_place_in_recep"
	| "pick_cool_then_place_in_recep"
	| "pick_two_obj_and_place";

export const taskTypes: ReadonlyArray<TaskType> = [
	"pick_and_place_simple",
	"look_at_obj_in_light",
	"pick_clean_then_place_in_recep",
	"pick_heat_then_place_in_recep",
	"pick_cool_then_place_in_recep",
	"pick_two_obj_and_place",
];

/** A task goal: the type and the (number-less) type names it refers to. */
export interface Goal {
	readonly type: TaskType;
	/** Object type, e.g. `apple`. */
	readonly obj: string;
	/** Receptacle type (all but look tasks). */
	readonly recep: string;
	/** Lamp type (look tasks). */
	readonly toggle: string;
	/** The goal text, without the final period (`put a clean apple in fridge`). */
	readonly text: string;
}

/** A complete game: the static scene, its initial dynamic state and the goal. */
export interface Scene {
	readonly receptacles: ReadonlyArray<Receptacle>;
	readonly objects: ReadonlyArray<SceneObject>;
	/** Initial receptacle of each object (-1: held or nowhere). */
	readonly objectIn: ReadonlyArray<number>;
	/** Initially opened receptacles. */
	readonly opened: ReadonlyArray<boolean>;
	readonly goal: Goal;
	/** Room kind and floor plan id (informational). */
	readonly room: string;
	readonly layout: string;
	/**
	 * ALFWorld's location rule (the `-v1` specs): receptacles with equal `loc` share one location, and
	 * `go to` a receptacle at the agent's own location is not a command (TextWorld's planner drops the
	 * no-op GotoLocation, so the engine answers `Nothing happens.`). Absent or false: the `-v0` rule,
	 * where every receptacle has its own location and `go to` the current one is admissible.
	 */
	readonly sharedLocations?: boolean;
}

/** For each receptacle, the receptacles at its location (itself included), in index order. */
const membersCache = new WeakMap<ReadonlyArray<Receptacle>, ReadonlyArray<ReadonlyArray<number>>>();
export const locationMembers = (receptacles: ReadonlyArray<Receptacle>): ReadonlyArray<ReadonlyArray<number>> => {
	let members = membersCache.get(receptacles);
	if (members === undefined) {
		const byLoc = new Map<number, number[]>();
		receptacles.forEach((r, i) => {
			const list = byLoc.get(r.loc) ?? [];
			list.push(i);
			byLoc.set(r.loc, list);
		});
		members = receptacles.map((r) => byLoc.get(r.loc) as number[]);
		membersCache.set(receptacles, members);
	}
	return members;
};

/** Whether receptacles `a` and `b` stand at one location (-1, the middle of the room, shares none). */
export const sameLocation = (scene: Scene, a: number, b: number): boolean =>
	a >= 0 &&
	b >= 0 &&
	(a === b || (scene.receptacles[a] as Receptacle).loc === (scene.receptacles[b] as Receptacle).loc);

/** Build a scene object with its properties from the type tables. */
export const makeObject = (type: string, num: number, receptacleObject = false): SceneObject => ({
	name: `${type} ${num}`,
	type,
	num,
	pickupable: !unpickupableTypes.has(type),
	heatable: heatableTypes.has(type),
	coolable: coolableTypes.has(type),
	cleanable: cleanableTypes.has(type),
	toggleable: toggleableTypes.has(type),
	sliceable: sliceableTypes.has(type),
	isKnife: knifeTypes.has(type),
	receptacleObject,
});

/** The mutable dynamic state of an episode. */
export class WorldState {
	/** Receptacle index the agent stands at; -1 = the middle of the room. */
	agentAt = -1;
	/** Held object index; -1 = hands empty. */
	holding = -1;
	readonly objectIn: Int16Array;
	readonly opened: Uint8Array;
	readonly hot: Uint8Array;
	readonly cool: Uint8Array;
	readonly clean: Uint8Array;
	readonly toggled: Uint8Array;
	readonly on: Uint8Array;
	readonly sliced: Uint8Array;
	/**
	 * PDDL `objectAtLocation` set by a put (the location number of the receptacle), cleared by a take;
	 * -1 otherwise. It shows objects "next to" the agent when receptacles share a location.
	 */
	readonly placedAt: Int16Array;

	constructor(readonly scene: Scene) {
		const n = scene.objects.length;
		this.objectIn = Int16Array.from(scene.objectIn);
		this.opened = Uint8Array.from(scene.opened, (b) => (b ? 1 : 0));
		this.hot = new Uint8Array(n);
		this.cool = new Uint8Array(n);
		this.clean = new Uint8Array(n);
		this.toggled = new Uint8Array(n);
		this.on = new Uint8Array(n);
		this.sliced = new Uint8Array(n);
		this.placedAt = new Int16Array(n).fill(-1);
	}

	/** A deep copy (for planners that simulate). */
	clone(): WorldState {
		const c = new WorldState(this.scene);
		c.agentAt = this.agentAt;
		c.holding = this.holding;
		c.objectIn.set(this.objectIn);
		c.opened.set(this.opened);
		c.hot.set(this.hot);
		c.cool.set(this.cool);
		c.clean.set(this.clean);
		c.toggled.set(this.toggled);
		c.on.set(this.on);
		c.sliced.set(this.sliced);
		c.placedAt.set(this.placedAt);
		return c;
	}

	/** Receptacle `r`'s inside is visible: opened, or not openable. */
	visible(r: number): boolean {
		return !(this.scene.receptacles[r] as Receptacle).openable || this.opened[r] === 1;
	}

	/** The receptacles at the agent's location (none in the middle of the room). */
	here(): ReadonlyArray<number> {
		return this.agentAt < 0 ? [] : (locationMembers(this.scene.receptacles)[this.agentAt] as ReadonlyArray<number>);
	}

	/** Objects in receptacle `r`, in scene order. */
	contents(r: number): number[] {
		const out: number[] = [];
		for (let o = 0; o < this.objectIn.length; o++) if (this.objectIn[o] === r) out.push(o);
		return out;
	}
}
