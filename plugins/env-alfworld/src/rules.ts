/**
 * The commands of ALFWorld with their exact PDDL preconditions (`alfred.pddl`) and effects, and the
 * admissible-command list (every grounded command whose preconditions hold, sorted and unique).
 */
import { canContain } from "./data.ts";
import type { Receptacle, SceneObject, WorldState } from "./state.ts";
import {
	arriveText,
	examineObject,
	examineReceptacle,
	helpText,
	inventoryText,
	lookText,
	placeCommand,
	placeText,
	type TextOptions,
	toggleText,
} from "./text.ts";

/** A grounded command. `r` is a receptacle index, `o`/`k` object indices. */
export type Command =
	| { readonly kind: "look" | "inventory" | "help" }
	| { readonly kind: "goto" | "open" | "close" | "examineReceptacle"; readonly r: number }
	| { readonly kind: "examineObject" | "use"; readonly o: number }
	| { readonly kind: "take" | "put" | "heat" | "cool" | "clean"; readonly o: number; readonly r: number }
	| { readonly kind: "slice"; readonly o: number; readonly k: number };

const LOOK: Command = { kind: "look" };
const INVENTORY: Command = { kind: "inventory" };
const HELP: Command = { kind: "help" };

/** The admissible commands of a state: sorted texts and a lookup from text to command. */
export interface Admissible {
	readonly list: ReadonlyArray<string>;
	readonly byText: { get(text: string): Command | undefined; has(text: string): boolean };
}

/** The commands admissible in every state of a scene (`go to`, `inventory`, `look`, `help`), built once. */
interface StaticCommands {
	readonly list: ReadonlyArray<string>;
	readonly map: ReadonlyMap<string, Command>;
}
const staticCache = new WeakMap<ReadonlyArray<Receptacle>, Record<TextOptions["grammar"], StaticCommands>>();
const staticCommands = (receptacles: ReadonlyArray<Receptacle>, grammar: TextOptions["grammar"]): StaticCommands => {
	let cached = staticCache.get(receptacles);
	if (cached === undefined) {
		const build = (g: TextOptions["grammar"]): StaticCommands => {
			const map = new Map<string, Command>([
				["inventory", INVENTORY],
				["look", LOOK],
			]);
			if (g === "current") map.set("help", HELP);
			receptacles.forEach((r, i) => {
				map.set(`go to ${r.name}`, { kind: "goto", r: i });
			});
			return { list: [...map.keys()].sort(), map };
		};
		cached = { legacy: build("legacy"), current: build("current") };
		staticCache.set(receptacles, cached);
	}
	return cached[grammar];
};

/** Merge two sorted string lists. */
const mergeSorted = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): string[] => {
	const out: string[] = new Array(a.length + b.length);
	let i = 0;
	let j = 0;
	let k = 0;
	while (i < a.length && j < b.length)
		out[k++] = (a[i] as string) <= (b[j] as string) ? (a[i++] as string) : (b[j++] as string);
	while (i < a.length) out[k++] = a[i++] as string;
	while (j < b.length) out[k++] = b[j++] as string;
	return out;
};

/**
 * The `go to` commands left out at the agent's location under ALFWorld's location rule: every
 * receptacle there (TextWorld's planner drops GotoLocation operators whose start and end coincide).
 */
const gotoHereCache = new WeakMap<ReadonlyArray<Receptacle>, Map<number, ReadonlySet<string>>>();
const gotoHere = (receptacles: ReadonlyArray<Receptacle>, members: ReadonlyArray<number>): ReadonlySet<string> => {
	let byLoc = gotoHereCache.get(receptacles);
	if (byLoc === undefined) {
		byLoc = new Map();
		gotoHereCache.set(receptacles, byLoc);
	}
	const loc = (receptacles[members[0] as number] as Receptacle).loc;
	let set = byLoc.get(loc);
	if (set === undefined) {
		set = new Set(members.map((m) => `go to ${(receptacles[m] as Receptacle).name}`));
		byLoc.set(loc, set);
	}
	return set;
};

/**
 * Ground every command whose preconditions hold. The commands that act on a receptacle (`examine`,
 * `open`, `close`, `take`, place, `heat`/`cool`/`clean`, `use`) apply to every receptacle at the
 * agent's location, as the PDDL asks only `atLocation ?a ?l` and `receptacleAtLocation ?r ?l`.
 * `go to` is admissible for every receptacle, except (scenes with `sharedLocations`) those at the
 * agent's own location; the `-v0` rule keeps `go to` the current receptacle admissible.
 */
export const admissible = (state: WorldState, grammar: TextOptions["grammar"]): Admissible => {
	const { receptacles, objects } = state.scene;
	const fixed = staticCommands(receptacles, grammar);
	const dynamic = new Map<string, Command>();
	const add = (text: string, c: Command) => {
		dynamic.set(text, c);
	};
	const h = state.holding;
	const held = h >= 0 ? (objects[h] as SceneObject) : undefined;
	if (held !== undefined) add(`examine ${held.name}`, { kind: "examineObject", o: h });
	const here = state.here();
	for (const r of here) {
		const rec = receptacles[r] as Receptacle;
		add(`examine ${rec.name}`, { kind: "examineReceptacle", r });
		if (rec.openable) {
			if (state.opened[r] === 1) add(`close ${rec.name}`, { kind: "close", r });
			else add(`open ${rec.name}`, { kind: "open", r });
		}
		const visible = state.visible(r);
		for (let o = 0; o < objects.length; o++) {
			if (state.objectIn[o] !== r) continue;
			const obj = objects[o] as SceneObject;
			if (visible) {
				add(`examine ${obj.name}`, { kind: "examineObject", o });
				if (h < 0 && obj.pickupable) add(`take ${obj.name} from ${rec.name}`, { kind: "take", o, r });
			}
			if (obj.toggleable) add(`use ${obj.name}`, { kind: "use", o });
			if (held?.isKnife === true && obj.sliceable)
				add(`slice ${obj.name} with ${held.name}`, { kind: "slice", o, k: h });
		}
		if (held !== undefined) {
			if (visible && canContain(rec.type, held.type))
				add(placeCommand(grammar, held.name, rec.name), { kind: "put", o: h, r });
			if (held.heatable && rec.type === "microwave")
				add(`heat ${held.name} with ${rec.name}`, { kind: "heat", o: h, r });
			if (held.coolable && rec.type === "fridge") add(`cool ${held.name} with ${rec.name}`, { kind: "cool", o: h, r });
			if (held.cleanable && rec.type === "sinkbasin")
				add(`clean ${held.name} with ${rec.name}`, { kind: "clean", o: h, r });
		}
	}
	const dropped = state.scene.sharedLocations === true && here.length > 0 ? gotoHere(receptacles, here) : undefined;
	const base = dropped === undefined ? fixed.list : fixed.list.filter((t) => !dropped.has(t));
	const list = mergeSorted(base, [...dynamic.keys()].sort());
	return {
		list,
		byText: {
			get: (text) => dynamic.get(text) ?? (dropped?.has(text) === true ? undefined : fixed.map.get(text)),
			has: (text) => dynamic.has(text) || (fixed.map.has(text) && dropped?.has(text) !== true),
		},
	};
};

/** Apply a command whose preconditions hold (it came from `admissible`) and return its feedback. */
export const execute = (state: WorldState, c: Command, options: TextOptions): string => {
	const { receptacles, objects } = state.scene;
	switch (c.kind) {
		case "look":
			return lookText(state);
		case "inventory":
			return inventoryText(state);
		case "help":
			return helpText;
		case "goto":
			state.agentAt = c.r;
			return arriveText(state, c.r, options);
		case "open":
			state.opened[c.r] = 1;
			return `You open the ${(receptacles[c.r] as Receptacle).name}. ${examineReceptacle(state, c.r)}`;
		case "close":
			state.opened[c.r] = 0;
			return `You close the ${(receptacles[c.r] as Receptacle).name}.`;
		case "examineReceptacle":
			return examineReceptacle(state, c.r);
		case "examineObject":
			return examineObject(state, c.o);
		case "take":
			state.objectIn[c.o] = -1;
			state.placedAt[c.o] = -1;
			state.holding = c.o;
			return `You pick up the ${(objects[c.o] as SceneObject).name} from the ${(receptacles[c.r] as Receptacle).name}.`;
		case "put":
			state.objectIn[c.o] = c.r;
			state.placedAt[c.o] = (receptacles[c.r] as Receptacle).loc;
			state.holding = -1;
			return placeText(options.grammar, (objects[c.o] as SceneObject).name, (receptacles[c.r] as Receptacle).name);
		case "heat":
			state.hot[c.o] = 1;
			state.cool[c.o] = 0;
			return `You heat the ${(objects[c.o] as SceneObject).name} using the ${(receptacles[c.r] as Receptacle).name}.`;
		case "cool":
			state.cool[c.o] = 1;
			state.hot[c.o] = 0;
			return `You cool the ${(objects[c.o] as SceneObject).name} using the ${(receptacles[c.r] as Receptacle).name}.`;
		case "clean":
			state.clean[c.o] = 1;
			return `You clean the ${(objects[c.o] as SceneObject).name} using the ${(receptacles[c.r] as Receptacle).name}.`;
		case "use":
			state.on[c.o] = state.on[c.o] === 1 ? 0 : 1;
			state.toggled[c.o] = 1;
			return toggleText(state, c.o);
		case "slice":
			state.sliced[c.o] = 1;
			return `You sliced the ${(objects[c.o] as SceneObject).name} with the ${(objects[c.k] as SceneObject).name}.`;
	}
};

/** The text of a grounded command in the given grammar (inverse of the admissible lookup). */
export const commandText = (state: WorldState, c: Command, grammar: TextOptions["grammar"]): string => {
	const { receptacles, objects } = state.scene;
	const rn = (r: number) => (receptacles[r] as Receptacle).name;
	const on = (o: number) => (objects[o] as SceneObject).name;
	switch (c.kind) {
		case "look":
		case "inventory":
		case "help":
			return c.kind;
		case "goto":
			return `go to ${rn(c.r)}`;
		case "open":
		case "close":
			return `${c.kind} ${rn(c.r)}`;
		case "examineReceptacle":
			return `examine ${rn(c.r)}`;
		case "examineObject":
			return `examine ${on(c.o)}`;
		case "use":
			return `use ${on(c.o)}`;
		case "take":
			return `take ${on(c.o)} from ${rn(c.r)}`;
		case "put":
			return placeCommand(grammar, on(c.o), rn(c.r));
		case "heat":
		case "cool":
		case "clean":
			return `${c.kind} ${on(c.o)} with ${rn(c.r)}`;
		case "slice":
			return `slice ${on(c.o)} with ${on(c.k)}`;
	}
};
