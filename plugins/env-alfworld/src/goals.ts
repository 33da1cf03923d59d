/**
 * The six ALFWorld task types: their goal-text templates (two each, one picked per game), their
 * goal conditions, and a parser from goal text back to a goal (used by transcript replay).
 */
import { type Goal, type Receptacle, type SceneObject, sameLocation, type TaskType, type WorldState } from "./state.ts";

/** The two goal templates of each task type (`{obj}`, `{recep}`, `{toggle}` are type names). */
export const goalTemplates: Readonly<Record<TaskType, readonly [string, string]>> = {
	pick_and_place_simple: ["put a {obj} in {recep}", "put some {obj} on {recep}"],
	look_at_obj_in_light: ["look at {obj} under the {toggle}", "examine the {obj} with the {toggle}"],
	pick_clean_then_place_in_recep: ["put a clean {obj} in {recep}", "clean some {obj} and put it in {recep}"],
	pick_heat_then_place_in_recep: ["put a hot {obj} in {recep}", "heat some {obj} and put it in {recep}"],
	pick_cool_then_place_in_recep: ["put a cool {obj} in {recep}", "cool some {obj} and put it in {recep}"],
	pick_two_obj_and_place: ["put two {obj} in {recep}", "find two {obj} and put them in {recep}"],
};

/**
 * Goal phrasings found in real transcripts beyond the two templates (ReAct's hand-edited prompts
 * say `find some apple and put it in sidetable`); accepted by `parseGoal` only.
 */
const extraTemplates: ReadonlyArray<readonly [TaskType, string]> = [
	["pick_and_place_simple", "find some {obj} and put it in {recep}"],
];

/** Fill a template. */
export const fillTemplate = (template: string, obj: string, recep: string, toggle: string): string =>
	template.replace("{obj}", obj).replace("{recep}", recep).replace("{toggle}", toggle);

/** Make a goal from its parts and the template variant (0 or 1). */
export const makeGoal = (type: TaskType, obj: string, recep: string, toggle: string, variant: 0 | 1): Goal => ({
	type,
	obj,
	recep,
	toggle,
	text: fillTemplate(goalTemplates[type][variant], obj, recep, toggle),
});

const templateRegex = (template: string): RegExp =>
	new RegExp(
		`^${template
			.replace("{obj}", "(?<obj>[a-z]+)")
			.replace("{recep}", "(?<recep>[a-z]+)")
			.replace("{toggle}", "(?<toggle>[a-z]+)")}$`,
	);

const parsers: ReadonlyArray<readonly [TaskType, RegExp]> = [
	...Object.entries(goalTemplates).flatMap(([type, ts]) =>
		ts.map((t) => [type as TaskType, templateRegex(t)] as const),
	),
	...extraTemplates.map(([type, t]) => [type, templateRegex(t)] as const),
];

/** Parse a goal text (with or without the final period); undefined if it matches no template. */
export const parseGoal = (text: string): Goal | undefined => {
	const t = text.trim().replace(/\.$/, "");
	for (const [type, re] of parsers) {
		const m = re.exec(t);
		if (m?.groups !== undefined)
			return { type, obj: m.groups.obj ?? "", recep: m.groups.recep ?? "", toggle: m.groups.toggle ?? "", text: t };
	}
	return undefined;
};

/** Whether object `o` carries the state change the task asks for. */
export const processed = (state: WorldState, type: TaskType, o: number): boolean => {
	if (type === "pick_clean_then_place_in_recep") return state.clean[o] === 1;
	if (type === "pick_heat_then_place_in_recep") return state.hot[o] === 1;
	if (type === "pick_cool_then_place_in_recep") return state.cool[o] === 1;
	return true;
};

/** The goal condition (any instances of the named types). */
export const goalSatisfied = (state: WorldState): boolean => {
	const { goal, objects, receptacles } = state.scene;
	if (goal.type === "look_at_obj_in_light") {
		const h = state.holding;
		if (h < 0 || (objects[h] as SceneObject).type !== goal.obj || state.agentAt < 0) return false;
		for (let o = 0; o < objects.length; o++)
			if (
				(objects[o] as SceneObject).type === goal.toggle &&
				state.toggled[o] === 1 &&
				sameLocation(state.scene, state.objectIn[o] as number, state.agentAt)
			)
				return true;
		return false;
	}
	const counts = new Map<number, number>();
	for (let o = 0; o < objects.length; o++) {
		const r = state.objectIn[o] as number;
		if (r < 0 || (objects[o] as SceneObject).type !== goal.obj) continue;
		if ((receptacles[r] as Receptacle).type !== goal.recep || !processed(state, goal.type, o)) continue;
		const n = (counts.get(r) ?? 0) + 1;
		if (goal.type !== "pick_two_obj_and_place" || n >= 2) return true;
		counts.set(r, n);
	}
	return false;
};
