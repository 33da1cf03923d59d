/**
 * Every text the ALFWorld engine prints, rendered from the rules of `alfred.twl2` (both the legacy
 * v0.3 grammar and the current v0.4 one): the list rule (article `a`, `, ` and `, and `,
 * `nothing`, types ascending and instance numbers descending), feedback strings, the intro variants.
 */
import type { Receptacle, Scene, SceneObject, WorldState } from "./state.ts";

/** The two text versions of ALFWorld: legacy (`put X in/on Y`, ≤0.3) and current (`move X to Y`, ≥0.4.2). */
export type Grammar = "legacy" | "current";

/**
 * How the first observation is shown: `banner` is the engine's full text (verl-agent keeps it),
 * `sft` drops the banner and keeps the blank line (ETO's SFT data and ICL example), `eval` joins with
 * a single newline (ETO/SPA/ReAct evaluation code).
 */
export type IntroStyle = "banner" | "sft" | "eval";

/** Text options of an env. */
export interface TextOptions {
	readonly grammar: Grammar;
	readonly intro: IntroStyle;
	/**
	 * Legacy `go to` feedback: `stripped` shows only the receptacle description (what the ETO, SPA and
	 * ReAct harnesses give the agent), `raw` keeps the engine's `You arrive at loc {N}. ` prefix.
	 */
	readonly arrive: "stripped" | "raw";
}

/** The banner line of the intro. */
export const banner = "-= Welcome to TextWorld, ALFRED! =-";

/** The `help` text of the current grammar (verbatim from `alfred_v0.4.twl2`). */
export const helpText =
	"\nAvailable commands:\n  look:                             look around your current location\n  inventory:                        check your current inventory\n  go to (receptacle):               move to a receptacle\n  open (receptacle):                open a receptacle\n  close (receptacle):               close a receptacle\n  take (object) from (receptacle):  take an object from a receptacle\n  move (object) to (receptacle):  place an object in or on a receptacle\n  examine (something):              examine a receptacle or an object\n  use (object):                     use an object\n  heat (object) with (receptacle):  heat an object using a receptacle\n  clean (object) with (receptacle): clean an object using a receptacle\n  cool (object) with (receptacle):  cool an object using a receptacle\n  slice (object) with (object):     slice an object using a sharp object\n";

/** TextWorld's list rule: `nothing`, `x`, or `x, y, and z` (the last separator is `, and ` even for two). */
export const joinList = (items: ReadonlyArray<string>): string => {
	if (items.length === 0) return "nothing";
	if (items.length === 1) return items[0] as string;
	return `${items.slice(0, -1).join(", ")}, and ${items[items.length - 1]}`;
};

/** Order of entities in lists: type name ascending, then instance number descending. */
export const compareEntities = (a: { type: string; num: number }, b: { type: string; num: number }): number =>
	a.type < b.type ? -1 : a.type > b.type ? 1 : b.num - a.num;

/** `a x 1, a y 2, and …` for entities, in list order (the article is always `a`). */
export const renderEntities = (entities: ReadonlyArray<{ name: string; type: string; num: number }>): string =>
	joinList([...entities].sort(compareEntities).map((e) => `a ${e.name}`));

/** The receptacle list of the intro and of `look` in the middle of the room. */
export const roomList = (scene: Scene): string => renderEntities(scene.receptacles);

/** `You are in the middle of a room. Looking quickly around you, you see {list}.` */
export const middleOfRoom = (scene: Scene): string =>
	`You are in the middle of a room. Looking quickly around you, you see ${roomList(scene)}.`;

/** The first observation in the requested style. */
export const introText = (scene: Scene, intro: IntroStyle): string => {
	const look = middleOfRoom(scene);
	const task = `Your task is to: ${scene.goal.text}.`;
	if (intro === "banner") return `${banner}\n\n${look}\n\n${task}`;
	if (intro === "sft") return `${look}\n\n${task}`;
	return `${look}\n${task}`;
};

/** Objects of receptacle `r`, rendered as a list. */
export const contentsList = (state: WorldState, r: number): string =>
	renderEntities(state.contents(r).map((o) => state.scene.objects[o] as SceneObject));

/** `examineReceptacle.feedback`: open / closed / not openable. */
export const examineReceptacle = (state: WorldState, r: number): string => {
	const rec = state.scene.receptacles[r] as Receptacle;
	if (rec.openable && state.opened[r] === 1)
		return `The ${rec.name} is open. In it, you see ${contentsList(state, r)}.`;
	if (rec.openable) return `The ${rec.name} is closed.`;
	return `On the ${rec.name}, you see ${contentsList(state, r)}.`;
};

/** `GotoLocation.feedback` in each grammar (legacy: optionally stripped as the harnesses do). */
export const arriveText = (state: WorldState, r: number, options: TextOptions): string => {
	const rec = state.scene.receptacles[r] as Receptacle;
	const tail = examineReceptacle(state, r);
	if (options.grammar === "current") return `You arrive at ${rec.name}. ${tail}`;
	return options.arrive === "raw" ? `You arrive at loc ${rec.loc}. ${tail}` : tail;
};

/** `examineObject.feedback`: the first matching rule of the grammar. */
export const examineObject = (state: WorldState, o: number): string => {
	const obj = state.scene.objects[o] as SceneObject;
	const n = obj.name;
	const clean = state.clean[o] === 1;
	const hot = state.hot[o] === 1;
	const cool = state.cool[o] === 1;
	const sliced = state.sliced[o] === 1;
	if (obj.receptacleObject) return `This is a normal ${n}. In it, you see nothing.`;
	if (clean && hot && sliced) return `This is a hot and clean sliced ${n}.`;
	if (clean && cool && sliced) return `This is a cool and clean sliced ${n}.`;
	if (clean && sliced) return `This is a clean sliced ${n}.`;
	if (hot && sliced) return `This is a hot sliced ${n}.`;
	if (cool && sliced) return `This is a cool sliced ${n}.`;
	if (clean && hot) return `This is a hot and clean ${n}.`;
	if (clean && cool) return `This is a cool and clean ${n}.`;
	if (hot) return `This is a hot ${n}.`;
	if (clean) return `This is a clean ${n}.`;
	if (cool) return `This is a cold ${n}.`;
	if (obj.toggleable && state.toggled[o] === 1) return `This ${n} is on.`;
	if (obj.toggleable) return `This ${n} is off.`;
	if (obj.sliceable && sliced) return `This is a sliced ${n}.`;
	return `There's nothing special about ${n}.`;
};

/** `toggleObject.feedback` after the toggle (the flag is set by every use, so always "turn on"). */
export const toggleText = (state: WorldState, o: number): string => {
	const obj = state.scene.objects[o] as SceneObject;
	if (obj.toggleable && state.toggled[o] === 1) return `You turn on the ${obj.name}.`;
	if (obj.toggleable) return `You turn off the ${obj.name}.`;
	return `You don't see any switch on the ${obj.name}.`;
};

/** `inventory.feedback`. */
export const inventoryText = (state: WorldState): string =>
	state.holding < 0
		? "You are not carrying anything."
		: `You are carrying: ${renderEntities([state.scene.objects[state.holding] as SceneObject])}.`;

/**
 * `look.feedback`: the receptacles at the agent's location (`You are facing the cabinet 2, and
 * cabinet 1.` when two share it) and what lies "next to" them: the grammar lists every object with
 * `objectAtLocation` here paired with each receptacle here that does not hold it. Only a put sets
 * `objectAtLocation` (a take clears it) in our scenes, so at a single receptacle this is always
 * `nothing`, while an object put in one of two co-located receptacles shows up once (`Next to it,
 * you see a box 1.`), and once per other receptacle when more share the location.
 */
export const lookText = (state: WorldState): string => {
	if (state.agentAt < 0) return middleOfRoom(state.scene);
	const { receptacles, objects } = state.scene;
	const here = state.here().map((r) => receptacles[r] as Receptacle);
	const loc = (here[0] as Receptacle).loc;
	const facing = [...here].sort(compareEntities).map((r) => r.name);
	const near: SceneObject[] = [];
	for (let o = 0; o < objects.length; o++) {
		if (state.placedAt[o] !== loc) continue;
		for (const r of state.here()) if (state.objectIn[o] !== r) near.push(objects[o] as SceneObject);
	}
	const nextTo = joinList([...near].sort(compareEntities).map((o) => `a ${o.name}`));
	return `You are facing the ${joinList(facing)}. Next to it, you see ${nextTo}.`;
};

/** `You put the {o} in/on the {r}.` / `You move the {o} to the {r}.` */
export const placeText = (grammar: Grammar, o: string, r: string): string =>
	grammar === "legacy" ? `You put the ${o} in/on the ${r}.` : `You move the ${o} to the ${r}.`;

/** The place command in each grammar. */
export const placeCommand = (grammar: Grammar, o: string, r: string): string =>
	grammar === "legacy" ? `put ${o} in/on ${r}` : `move ${o} to ${r}`;

/** The feedback of an invalid command. */
export const nothingHappens = "Nothing happens.";
