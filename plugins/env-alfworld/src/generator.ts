/**
 * The procedural ALFWorld game generator. A task is a pure function of `(seed, split, index)`:
 * task type by the real splits' mix → a room kind where that type occurs → a floor plan (one of
 * the 120 real AI2-THOR rooms in `scene_receptacles.json`) and a layout variant (jittered counts,
 * per-instance openability, location numbers) → a goal whose object and receptacle types the room
 * has → objects placed by `canContain` → goal not satisfied at the start → solvable by the oracle.
 *
 * Splits: `train` and `valid_seen` share the 116 training floor plans (different task streams);
 * `valid_unseen` uses the four held-out plans of ALFWorld's valid_unseen (FloorPlan10, 219, 308,
 * 424) and prefers the (task, object, receptacle) combinations held out of the other two splits.
 */
import { hashSeed, Rng } from "@stepwise/core";
import {
	canContain,
	colocatedGroups,
	type FloorPlan,
	floorPlans,
	goalRooms,
	openableTypes,
	type RoomType,
} from "./data.ts";
import { goalSatisfied, makeGoal } from "./goals.ts";
import { applianceOf, oraclePlan } from "./oracle.ts";
import { lampHosts, placementWeight } from "./priors.ts";
import { execute } from "./rules.ts";
import { searcherSolves } from "./searcher.ts";
import { makeObject, type Receptacle, type Scene, type SceneObject, type TaskType, WorldState } from "./state.ts";

/** The splits of every ALFWorld spec; the first is the training split. */
export const splits = ["train", "valid_seen", "valid_unseen"] as const;
export type Split = (typeof splits)[number];

/** Floor plans of ALFWorld's valid_unseen games (counted from ETO's game list). */
export const unseenPlanIds: ReadonlySet<number> = new Set([10, 219, 308, 424]);

/** Task-type counts of the real splits (train: STeCa's 3,554 game dirs; valid_unseen: ETO's 134). */
export const taskMix: Readonly<Record<"seen" | "unseen", Readonly<Record<TaskType, number>>>> = {
	seen: {
		pick_two_obj_and_place: 813,
		pick_and_place_simple: 790,
		pick_clean_then_place_in_recep: 651,
		pick_cool_then_place_in_recep: 533,
		pick_heat_then_place_in_recep: 459,
		look_at_obj_in_light: 308,
	},
	unseen: {
		pick_and_place_simple: 24,
		pick_clean_then_place_in_recep: 31,
		pick_heat_then_place_in_recep: 23,
		pick_cool_then_place_in_recep: 21,
		look_at_obj_in_light: 18,
		pick_two_obj_and_place: 17,
	},
};

/** Room counts of the real splits, used to weight rooms among those a task type allows. */
const roomMix: Readonly<Record<"seen" | "unseen", Readonly<Record<RoomType, number>>>> = {
	seen: { kitchen: 1696, bedroom: 734, bathroom: 647, livingroom: 477 },
	unseen: { kitchen: 77, livingroom: 11, bedroom: 27, bathroom: 19 },
};

/** Layout variants per floor plan. */
const layoutVariants = 8;

/** Whether a (task type, object, receptacle) combination is held out for valid_unseen (~15%). */
export const heldOutCombo = (type: TaskType, obj: string, recep: string): boolean => {
	const key = `${type}/${obj}/${recep}`;
	let held = heldOutMemo.get(key);
	if (held === undefined) {
		held = hashSeed("alfworld/held-out-combo", type, obj, recep) % 100 < 15;
		heldOutMemo.set(key, held);
	}
	return held;
};
const heldOutMemo = new Map<string, boolean>();

const weighted = <T extends string>(rng: Rng, weights: ReadonlyArray<readonly [T, number]>): T => {
	const total = weights.reduce((a, [, w]) => a + w, 0);
	let x = rng.next() * total;
	for (const [k, w] of weights) {
		x -= w;
		if (x < 0) return k;
	}
	return (weights[weights.length - 1] as readonly [T, number])[0];
};

/**
 * How receptacles stand in a room: `distinct` (the `-v0` specs: each at its own location) or
 * `shared` (the `-v1` specs: the co-located groups ALFWorld's floor plans have, see `colocatedGroups`).
 */
export type LocationRule = "distinct" | "shared";

/**
 * A layout: a floor plan's receptacles with jittered counts, openability and location numbers. With
 * `shared` locations, the receptacles of each of the plan's co-located groups that the layout has
 * (two or more of them) get one location; location numbers are then renumbered 1..L in the order
 * of the distinct layout's numbers, so the same random draws serve both rules.
 */
export const makeLayout = (
	plan: FloorPlan,
	variant: number,
	locations: LocationRule = "distinct",
): ReadonlyArray<Receptacle> => {
	const rng = new Rng(hashSeed("alfworld/layout", plan.id, variant));
	const types: Array<readonly [string, number]> = plan.receptacles.map(([t, n]) => {
		const jitter = n >= 3 && t !== "stoveburner" ? rng.range(-1, 1) : 0;
		return [t, Math.max(1, n + jitter)] as const;
	});
	const total = types.reduce((a, [, n]) => a + n, 0);
	const locs = rng.shuffle(Array.from({ length: total }, (_, i) => i + 1));
	const out: Receptacle[] = [];
	for (const [type, n] of types)
		for (let num = 1; num <= n; num++) {
			const openable = openableTypes.has(type) && (type === "fridge" || type === "microwave" || rng.chance(0.85));
			out.push({ name: `${type} ${num}`, type, num, openable, loc: locs[out.length] as number });
		}
	return locations === "shared" ? shareLocations(out, colocatedGroups(plan.id)) : out;
};

/** Merge the locations of each group's present members (two or more), then renumber 1..L. */
const shareLocations = (
	receptacles: ReadonlyArray<Receptacle>,
	groups: ReadonlyArray<ReadonlyArray<string>>,
): ReadonlyArray<Receptacle> => {
	const index = new Map(receptacles.map((r, i) => [r.name, i] as const));
	const key = receptacles.map((r) => r.loc);
	for (const group of groups) {
		const present = group.flatMap((name) => {
			const i = index.get(name);
			return i === undefined ? [] : [i];
		});
		if (present.length < 2) continue;
		const shared = Math.min(...present.map((i) => key[i] as number));
		for (const i of present) key[i] = shared;
	}
	const rank = new Map([...new Set(key)].sort((a, b) => a - b).map((k, i) => [k, i + 1] as const));
	return receptacles.map((r, i) => ({ ...r, loc: rank.get(key[i] as number) as number }));
};

interface GoalChoice {
	readonly obj: string;
	readonly recep: string;
	readonly toggle: string;
}

const goalChoices = (type: TaskType, plan: FloorPlan, recTypes: ReadonlySet<string>, split: Split): GoalChoice[] => {
	const appliance = applianceOf(type);
	if (appliance !== undefined && !recTypes.has(appliance)) return [];
	const out: GoalChoice[] = [];
	for (const obj of plan.objects) {
		const o = makeObject(obj, 1);
		if (!o.pickupable) continue;
		if (type === "pick_heat_then_place_in_recep" && !o.heatable) continue;
		if (type === "pick_cool_then_place_in_recep" && !o.coolable) continue;
		if (type === "pick_clean_then_place_in_recep" && !o.cleanable) continue;
		if (type === "look_at_obj_in_light") {
			const lamps = ["desklamp", "floorlamp"].filter((l) => plan.objects.includes(l));
			for (const toggle of lamps.length > 0 ? lamps : ["desklamp"])
				if (split === "valid_unseen" || !heldOutCombo(type, obj, toggle)) out.push({ obj, recep: "", toggle });
			continue;
		}
		for (const recep of recTypes) {
			if (recep === appliance || !canContain(recep, obj)) continue;
			if (split !== "valid_unseen" && heldOutCombo(type, obj, recep)) continue;
			out.push({ obj, recep, toggle: "" });
		}
	}
	if (split === "valid_unseen") {
		const held = out.filter((c) => heldOutCombo(type, c.obj, c.recep || c.toggle));
		if (held.length > 0) return held;
	}
	return out;
};

const choiceMemo = new Map<string, GoalChoice[]>();

/** The generated game and how it was drawn. */
export interface GeneratedTask {
	readonly scene: Scene;
	/** ALFWorld-style game name, `{task}-{Obj}-None-{Recep}-{plan}` plus layout variant and attempt. */
	readonly name: string;
	/** Length of the oracle's plan from the start. */
	readonly oracleSteps: number;
}

/** Generation options. */
export interface GenerateOptions {
	/**
	 * Keep only games the searcher expert solves within this many steps, as ALFWorld keeps only games
	 * its hand-coded expert solved (default 40, the smaller spec limit; 0 keeps every oracle-solvable game).
	 */
	readonly searcherLimit?: number;
	/** The location rule (default `distinct`, the `-v0` specs). */
	readonly locations?: LocationRule;
}

const tryGenerate = (
	rng: Rng,
	split: Split,
	searcherLimit: number,
	locations: LocationRule,
): GeneratedTask | undefined => {
	const mix = split === "valid_unseen" ? "unseen" : "seen";
	const type = weighted(rng, Object.entries(taskMix[mix]) as Array<[TaskType, number]>);
	const rooms = goalRooms(type);
	const room = weighted(
		rng,
		rooms.map((r) => [r, roomMix[mix][r]] as const),
	);
	const plans = floorPlans.filter((p) => p.room === room && unseenPlanIds.has(p.id) === (split === "valid_unseen"));
	const plan = rng.pick(plans);
	const variant = rng.int(layoutVariants);
	const receptacles = makeLayout(plan, variant, locations);
	const recTypes = new Set(receptacles.map((r) => r.type));
	const key = `${type}|${plan.id}|${variant}|${split}`;
	let choices = choiceMemo.get(key);
	if (choices === undefined) {
		choices = goalChoices(type, plan, recTypes, split);
		choiceMemo.set(key, choices);
	}
	if (choices.length === 0) return undefined;
	const choice = rng.pick(choices);
	const goal = makeGoal(type, choice.obj, choice.recep, choice.toggle, rng.chance(0.5) ? 1 : 0);

	// Object types and counts: the target type (pick-two needs two), the lamp of look tasks, distractors.
	const counts = new Map<string, number>();
	counts.set(goal.obj, type === "pick_two_obj_and_place" ? rng.range(2, 4) : rng.range(1, 3));
	if (goal.toggle !== "") counts.set(goal.toggle, 1);
	for (const t of plan.objects) if (!counts.has(t) && rng.chance(0.6)) counts.set(t, rng.range(1, 3));

	const objects: SceneObject[] = [];
	const objectIn: number[] = [];
	for (const [t, n] of [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
		const nums = rng.shuffle(Array.from({ length: n }, (_, i) => i + 1));
		const lamp = t === "desklamp" || t === "floorlamp";
		const hosts = receptacles.flatMap((r, i) => {
			if (lamp ? !lampHosts.has(r.type) || r.openable : !canContain(r.type, t)) return [];
			if (t === goal.obj && r.type === goal.recep) return []; // the goal is never satisfied at the start
			return [[String(i), placementWeight(r.type)] as const];
		});
		for (const num of nums) {
			if (hosts.length === 0) {
				if (t === goal.obj || t === goal.toggle) return undefined;
				continue;
			}
			objects.push(makeObject(t, num));
			objectIn.push(Number(weighted(rng, hosts)));
		}
	}
	const opened = receptacles.map(
		(r) => r.openable && r.type !== "fridge" && r.type !== "microwave" && rng.chance(0.05),
	);
	const scene: Scene = {
		receptacles,
		objects,
		objectIn,
		opened,
		goal,
		room,
		layout: `${plan.id}-${variant}`,
		...(locations === "shared" ? { sharedLocations: true } : {}),
	};

	// Solvability: the oracle must reach the goal from the start.
	const state = new WorldState(scene);
	if (goalSatisfied(state)) return undefined;
	const plan0 = oraclePlan(state);
	if (plan0 === undefined) return undefined;
	const text = { grammar: "current", intro: "banner", arrive: "raw" } as const;
	for (const c of plan0) execute(state, c, text);
	if (!goalSatisfied(state)) return undefined;
	const searcherSteps = searcherLimit > 0 ? searcherSolves(scene, searcherLimit) : 0;
	if (searcherSteps === undefined) return undefined;
	const cap = (s: string) => (s === "" ? "None" : s);
	const name = `${type}-${goal.obj}-None-${cap(goal.recep || goal.toggle)}-${plan.id}`;
	return { scene, name, oracleSteps: plan0.length };
};

/** Generate the task of `(seed, split, index)`. Deterministic; retries internally until a valid game. */
export const generateTask = (
	seed: number,
	split: Split,
	index: number,
	options: GenerateOptions = {},
): GeneratedTask => {
	const searcherLimit = options.searcherLimit ?? 40;
	const locations = options.locations ?? "distinct";
	for (let attempt = 0; ; attempt++) {
		const rng = new Rng(hashSeed("alfworld/task", seed, split, index, attempt));
		const task = tryGenerate(rng, split, searcherLimit, locations);
		if (task !== undefined) return task;
		if (attempt > 10_000) throw new Error(`alfworld: no valid game for ${split}/${seed}/${index}`);
	}
};
