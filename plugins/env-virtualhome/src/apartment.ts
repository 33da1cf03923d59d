/**
 * The seeded apartment generator (docs/environments/virtualhome.md): four rooms joined by doors, furniture per
 * room, props ON surfaces and INSIDE containers, initial states sampled within each class's allowed
 * states. Layouts come in eight families (seat class × desk room × door topology); the train split
 * uses families 0–5 and the unseen test split families 6–7.
 */
import type { Rng } from "@stepwise/core/util/rng";
import {
	classProperties,
	furnitureFor,
	type Placement,
	PROPS,
	type PropSpec,
	propSpec,
	ROOMS,
	type Room,
	statePairs,
} from "./catalogue.ts";
import { Graph, type GraphNode, type NodeState } from "./graph.ts";

/** Layout families of the train split. */
export const TRAIN_FAMILIES: ReadonlyArray<number> = [0, 1, 2, 3, 4, 5];
/** Layout families of the unseen test split. */
export const TEST_FAMILIES: ReadonlyArray<number> = [6, 7];

/** A generated apartment: the graph plus the handles templates need. */
export interface Apartment {
	readonly graph: Graph;
	readonly characterId: number;
	readonly family: number;
	readonly rooms: Readonly<Record<Room, number>>;
	/** The seat class of this family (`sofa` or `couch`). */
	readonly seat: "sofa" | "couch";
	/** The room holding the desk and computer. */
	readonly deskRoom: "livingroom" | "bedroom";
}

/** Mutable helper used while building an apartment and while a template adds what it needs. */
export class ApartmentBuilder {
	readonly graph = new Graph();
	private nextId = 1;
	readonly characterId: number;
	readonly rooms: Record<Room, number>;
	readonly seat: "sofa" | "couch";
	readonly deskRoom: "livingroom" | "bedroom";

	constructor(
		readonly family: number,
		readonly rng: Rng,
	) {
		this.seat = family % 2 === 0 ? "sofa" : "couch";
		this.deskRoom = (family >> 1) % 2 === 0 ? "livingroom" : "bedroom";
		this.characterId = this.addNode("character", "Characters", []);
		const rooms = {} as Record<Room, number>;
		for (const room of ROOMS) rooms[room] = this.addNode(room, "Rooms", []);
		this.rooms = rooms;
	}

	addNode(className: string, category: string, states: ReadonlyArray<NodeState>): number {
		const id = this.nextId++;
		const node: GraphNode = {
			id,
			className,
			category,
			properties: classProperties(className),
			states: new Set(states),
		};
		this.graph.addNode(node);
		return id;
	}

	/** Initial states sampled per state dimension of the class. */
	sampleStates(className: string): NodeState[] {
		return statePairs(className).map((pair) => (this.rng.chance(pair.pA) ? pair.a : pair.b));
	}

	/** The room a node is in (its INSIDE edge to a room). */
	roomOf(id: number): number | undefined {
		for (const to of this.graph.from(id, "INSIDE")) if (this.graph.node(to).category === "Rooms") return to;
		return undefined;
	}

	/** The first furniture node of a class (optionally in a room). */
	find(cls: string, room?: Room): number | undefined {
		for (const id of this.graph.ofClass(cls)) if (room === undefined || this.roomOf(id) === this.rooms[room]) return id;
		return undefined;
	}

	/** Place a new prop ON/INSIDE a furniture node (with CLOSE edges), or in a room. */
	placeProp(
		cls: string,
		category: string,
		where: { readonly furniture?: number; readonly relation?: "ON" | "INSIDE"; readonly room?: number },
	): number {
		const id = this.addNode(cls, category, this.sampleStates(cls));
		const g = this.graph;
		if (where.furniture !== undefined) {
			const room = this.roomOf(where.furniture);
			if (room !== undefined) g.add(id, "INSIDE", room);
			g.add(id, where.relation ?? "ON", where.furniture);
			g.addBoth(id, "CLOSE", where.furniture);
		} else if (where.room !== undefined) g.add(id, "INSIDE", where.room);
		return id;
	}

	/** Candidate furniture for a prop's placements, in catalogue order. */
	placesFor(spec: PropSpec): Array<{ furniture: number; relation: "ON" | "INSIDE" }> {
		const out: Array<{ furniture: number; relation: "ON" | "INSIDE" }> = [];
		for (const [relation, cls] of spec.places) {
			const furniture = this.find(cls);
			if (furniture !== undefined) out.push({ furniture, relation });
		}
		return out;
	}

	/**
	 * An existing instance of a prop class, or a new one placed at one of `places` (default: the
	 * catalogue's placements). Templates call this to make sure the objects they need exist.
	 */
	ensureProp(cls: string, places?: ReadonlyArray<Placement>): number | undefined {
		const existing = this.graph.ofClass(cls)[0];
		if (existing !== undefined) return existing;
		const spec = propSpec(cls) ?? { cls, category: "Props", places: places ?? [] };
		const options = this.placesFor(places === undefined ? spec : { ...spec, places });
		if (options.length > 0) return this.placeProp(cls, spec.category, this.rng.pick(options));
		if (spec.room !== undefined) return this.placeProp(cls, spec.category, { room: this.rooms[spec.room] });
		return undefined;
	}

	/**
	 * Force a node's value on one of its state dimensions (e.g. make a light OFF before "Turn on
	 * light"); a value outside the class's dimensions (plugging a candle) is ignored.
	 */
	setState(id: number, value: NodeState): void {
		const states = this.graph.node(id).states;
		const pair = statePairs(this.graph.node(id).className).find((p) => p.a === value || p.b === value);
		if (pair === undefined) return;
		states.delete(pair.a);
		states.delete(pair.b);
		states.add(value);
	}

	finish(): Apartment {
		return {
			graph: this.graph,
			characterId: this.characterId,
			family: this.family,
			rooms: this.rooms,
			seat: this.seat,
			deskRoom: this.deskRoom,
		};
	}
}

/** Door topologies: a living-room hub, or a chain kitchen–living room–bedroom–bathroom. */
const TOPOLOGIES: ReadonlyArray<ReadonlyArray<readonly [Room, Room, "door" | "doorjamb"]>> = [
	[
		["livingroom", "kitchen", "doorjamb"],
		["livingroom", "bedroom", "door"],
		["livingroom", "bathroom", "door"],
	],
	[
		["kitchen", "livingroom", "doorjamb"],
		["livingroom", "bedroom", "door"],
		["bedroom", "bathroom", "door"],
	],
];

/**
 * Build the base apartment of a family: rooms, doors, furniture (CLOSE within a spot, FACING where
 * the catalogue says), `distractors` props (a few classes twice, so that SPA's grounding of an
 * unbound class has a choice to make), and the character INSIDE a random room.
 */
export const buildApartment = (family: number, rng: Rng, distractors: number): ApartmentBuilder => {
	const b = new ApartmentBuilder(family, rng);
	const g = b.graph;
	const topology = TOPOLOGIES[(family >> 2) % 2] as (typeof TOPOLOGIES)[number];
	for (const [r1, r2, cls] of topology) {
		const id = b.addNode(cls, "Doors", b.sampleStates(cls));
		g.add(id, "INSIDE", b.rooms[r1]);
		g.add(id, "BETWEEN", b.rooms[r1]);
		g.add(id, "BETWEEN", b.rooms[r2]);
	}
	const specs = furnitureFor(b.seat, b.deskRoom);
	const spots = new Map<string, number[]>();
	const placed: Array<{ id: number; spec: (typeof specs)[number] }> = [];
	for (const spec of specs) {
		if (spec.p !== undefined && !rng.chance(spec.p)) continue;
		const id = b.addNode(spec.cls, spec.category, b.sampleStates(spec.cls));
		g.add(id, "INSIDE", b.rooms[spec.room]);
		const key = `${spec.room}/${spec.spot}`;
		const mates = spots.get(key) ?? [];
		for (const m of mates) g.addBoth(id, "CLOSE", m);
		mates.push(id);
		spots.set(key, mates);
		placed.push({ id, spec });
	}
	for (const { id, spec } of placed) {
		if (spec.on !== undefined) {
			const base = b.find(spec.on, spec.room);
			if (base !== undefined) g.add(id, "ON", base);
		}
		for (const cls of spec.facing ?? []) {
			const target = b.find(cls, spec.room);
			if (target !== undefined) g.add(id, "FACING", target);
		}
	}
	for (const spec of drawProps(rng, distractors)) {
		const options = b.placesFor(spec);
		if (options.length > 0) b.placeProp(spec.cls, spec.category, rng.pick(options));
		else if (spec.room !== undefined) b.placeProp(spec.cls, spec.category, { room: b.rooms[spec.room] });
	}
	g.add(b.characterId, "INSIDE", b.rooms[rng.pick(ROOMS)]);
	return b;
};

/** `n` prop specs: mostly distinct classes, each draw after the first repeating an earlier class with probability 0.15. */
const drawProps = (rng: Rng, n: number): PropSpec[] => {
	const fresh = rng.shuffle(PROPS);
	const out: PropSpec[] = [];
	let next = 0;
	while (out.length < n) {
		const repeat = out.length > 0 && (next >= fresh.length || rng.chance(0.15));
		out.push(repeat ? rng.pick(out) : (fresh[next++] as PropSpec));
	}
	return out;
};
