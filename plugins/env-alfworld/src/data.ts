/**
 * ALFWorld's static tables, read once from the package's own copies of the reference data
 * (`data/alfworld_constants.json`, `data/scene_receptacles.json`, MIT, see `data/NOTICE.md`).
 * All type names here are the text forms: ALFRED class names lower-cased (`sinkbasin`, `desklamp`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The package's data folder. */
export const dataDir = join(import.meta.dir, "../data");

/** Read a JSON file from the package's data folder. */
export const readData = <T>(file: string): T => JSON.parse(readFileSync(join(dataDir, file), "utf8")) as T;

interface ConstantsFile {
	readonly GOALS_VALID: Record<string, ReadonlyArray<string>>;
	readonly OPENABLE_CLASS_LIST: ReadonlyArray<string>;
	readonly MOVABLE_RECEPTACLES: ReadonlyArray<string>;
	readonly RECEPTACLES: ReadonlyArray<string>;
	readonly VAL_ACTION_OBJECTS: Record<string, ReadonlyArray<string>>;
	readonly VAL_RECEPTACLE_OBJECTS: Record<string, ReadonlyArray<string>>;
}

interface SceneFile {
	readonly per_scene: Record<
		string,
		{
			readonly room: string;
			readonly receptacle_counts: Record<string, number>;
			readonly object_types_present: ReadonlyArray<string>;
		}
	>;
}

/** The four room kinds of AI2-THOR. */
export type RoomType = "kitchen" | "livingroom" | "bedroom" | "bathroom";
export const roomTypes: ReadonlyArray<RoomType> = ["kitchen", "livingroom", "bedroom", "bathroom"];

/** THOR class → ALFWorld text type (`Sink` is `sinkbasin` and `Bathtub` is `bathtubbasin` in text). */
export const textType = (thorClass: string): string => {
	if (thorClass === "Sink") return "sinkbasin";
	if (thorClass === "Bathtub") return "bathtubbasin";
	return thorClass.toLowerCase();
};

const constants = readData<ConstantsFile>("alfworld_constants.json");
const lowerSet = (xs: ReadonlyArray<string>): ReadonlySet<string> =>
	new Set(xs.filter((x) => !x.endsWith("Sliced")).map(textType));

/** `canContain(receptacleType, objectType)` (ALFWorld's `VAL_RECEPTACLE_OBJECTS`), text types. */
export const canContainTable: ReadonlyMap<string, ReadonlySet<string>> = new Map(
	Object.entries(constants.VAL_RECEPTACLE_OBJECTS).map(([r, os]) => [textType(r), lowerSet(os)]),
);

/** Whether a receptacle of type `rtype` can hold an object of type `otype`. */
export const canContain = (rtype: string, otype: string): boolean => canContainTable.get(rtype)?.has(otype) ?? false;

/** Object property sets (text types, sliced variants dropped). */
export const heatableTypes = lowerSet(constants.VAL_ACTION_OBJECTS.Heatable ?? []);
export const coolableTypes = lowerSet(constants.VAL_ACTION_OBJECTS.Coolable ?? []);
export const cleanableTypes = lowerSet(constants.VAL_ACTION_OBJECTS.Cleanable ?? []);
export const toggleableTypes = lowerSet(constants.VAL_ACTION_OBJECTS.Toggleable ?? []);
export const sliceableTypes = lowerSet(constants.VAL_ACTION_OBJECTS.Sliceable ?? []);
/** Receptacle classes whose instances may be openable. */
export const openableTypes = lowerSet(constants.OPENABLE_CLASS_LIST);
/** Movable receptacles (bowl, box, cup, mug, plate, pan, pot): objects in our scenes. */
export const movableReceptacleTypes = lowerSet(constants.MOVABLE_RECEPTACLES);
/** Fixed receptacle types (furniture and appliances). */
export const receptacleTypes: ReadonlySet<string> = new Set(
	[...lowerSet(constants.RECEPTACLES), "sinkbasin", "bathtubbasin"].filter((t) => !movableReceptacleTypes.has(t)),
);
/** Types that can never be picked up. */
export const unpickupableTypes: ReadonlySet<string> = new Set(["desklamp", "floorlamp"]);
/** Knives for `slice`. */
export const knifeTypes: ReadonlySet<string> = new Set(["knife", "butterknife"]);

/** Room kinds in which each task type occurs (`GOALS_VALID`), as our room names. */
export const goalRooms = (goal: string): ReadonlyArray<RoomType> =>
	(constants.GOALS_VALID[goal] ?? []).map((r) => r.toLowerCase() as RoomType);

/** One real AI2-THOR floor plan, reduced to what the scene generator draws from. */
export interface FloorPlan {
	readonly id: number;
	readonly room: RoomType;
	/** Fixed receptacle types and instance counts (text types). */
	readonly receptacles: ReadonlyArray<readonly [string, number]>;
	/** Movable object types present in the real room that some receptacle can hold (text types). */
	readonly objects: ReadonlyArray<string>;
}

/** Instance counts for receptacle types the layout files omit (see the file's caveat). */
const defaultCount = (room: RoomType, type: string): number => (room === "kitchen" && type === "stoveburner" ? 4 : 1);

const placeable = new Set([...canContainTable.values()].flatMap((s) => [...s]));

const sceneFile = readData<SceneFile>("scene_receptacles.json");

/** The 120 real floor plans, sorted by id. */
export const floorPlans: ReadonlyArray<FloorPlan> = Object.entries(sceneFile.per_scene)
	.map(([id, s]) => {
		const room = s.room as RoomType;
		const counts = new Map<string, number>();
		for (const [cls, n] of Object.entries(s.receptacle_counts)) {
			const t = textType(cls);
			if (receptacleTypes.has(t)) counts.set(t, Math.max(n, counts.get(t) ?? 0));
		}
		for (const cls of s.object_types_present) {
			const t = textType(cls);
			if (receptacleTypes.has(t) && !counts.has(t)) counts.set(t, defaultCount(room, t));
		}
		const objects = new Set<string>();
		for (const cls of s.object_types_present) {
			const t = textType(cls);
			if ((placeable.has(t) && !receptacleTypes.has(t)) || t === "desklamp" || t === "floorlamp") objects.add(t);
		}
		return {
			id: Number(id),
			room,
			receptacles: [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
			objects: [...objects].sort(),
		};
	})
	.sort((a, b) => a.id - b.id);

interface ColocationFile {
	readonly groups: Record<string, ReadonlyArray<ReadonlyArray<string>>>;
	/** Groups seen in real games for receptacles the layout files do not cover (stove burners). */
	readonly observed: { readonly groups: Record<string, ReadonlyArray<ReadonlyArray<string>>> };
}

const colocation = readData<ColocationFile>("colocated_receptacles.json");

/**
 * The receptacles that share one location in a real floor plan (`cabinet 1` and `cabinet 2` of
 * FloorPlan219), as instance names; derived from ALFWorld's layout files (`colocated_receptacles.json`
 * says how), plus the stove burners real games of FloorPlan18 show sharing. Floor plans without such
 * groups give none.
 */
export const colocatedGroups = (planId: number): ReadonlyArray<ReadonlyArray<string>> => [
	...(colocation.groups[String(planId)] ?? []),
	...(colocation.observed.groups[String(planId)] ?? []),
];
