/**
 * Object classes of the procedural apartments: their affordance properties and allowed states come
 * from VirtualHome's `properties_data.json` and `object_states.json` (copied into `data/`), their
 * categories and placements are ours (docs/environments/virtualhome.md).
 */
import objectStates from "../data/object_states.json" with { type: "json" };
import propertiesData from "../data/properties_data.json" with { type: "json" };
import { type NodeState, PROPERTIES, type Property } from "./graph.ts";

const PROPERTY_SET: ReadonlySet<string> = new Set(PROPERTIES);
const propertiesTable = propertiesData as Record<string, ReadonlyArray<string>>;
const statesTable = objectStates as Record<string, ReadonlyArray<string>>;

/**
 * Classes the apartments use that `properties_data.json` lacks. `kitchen_table` appears in the
 * VirtualHome scene graphs but not in the resource file; we give it `table`'s properties.
 */
const EXTRA_PROPERTIES: Record<string, ReadonlyArray<Property>> = {
	kitchen_table: ["SURFACES", "MOVABLE"],
};

/** A class's affordance properties (empty for rooms, doorjambs and unknown classes). */
export const classProperties = (className: string): ReadonlySet<Property> => {
	let cached = propertyCache.get(className);
	if (cached === undefined) {
		const listed = EXTRA_PROPERTIES[className] ?? propertiesTable[className] ?? [];
		cached = new Set(listed.filter((p): p is Property => PROPERTY_SET.has(p)));
		propertyCache.set(className, cached);
	}
	return cached;
};

const propertyCache = new Map<string, ReadonlySet<Property>>();
const pairCache = new Map<string, ReadonlyArray<StatePair>>();

/** Allowed states of classes `object_states.json` lacks (`kitchen_table` takes `table`'s). */
const EXTRA_STATES: Record<string, ReadonlyArray<string>> = { kitchen_table: ["clean", "occupied", "dirty", "free"] };

/** The raw allowed states of a class, as `object_states.json` writes them (lower case). */
export const allowedStates = (className: string): ReadonlyArray<string> =>
	EXTRA_STATES[className] ?? statesTable[className] ?? [];

/** One binary state dimension: the two values and the probability of the first one at start. */
export interface StatePair {
	readonly a: NodeState;
	readonly b: NodeState;
	/** Probability of `a` in a freshly generated apartment. */
	readonly pA: number;
}

/**
 * The state dimensions a class has, derived from its allowed states and properties:
 * CLOSED/OPEN (`open`/`closed` allowed, or CAN_OPEN), OFF/ON (`on`/`off`, or HAS_SWITCH),
 * CLEAN/DIRTY (both allowed), PLUGGED_IN/PLUGGED_OUT (`plugged`/`unplugged`, or HAS_PLUG).
 * The simulator's other state words (`grabbed`, `full`, `hot`, …) are not part of its state enum.
 */
export const statePairs = (className: string): ReadonlyArray<StatePair> => {
	let cached = pairCache.get(className);
	if (cached === undefined) {
		cached = computePairs(className);
		pairCache.set(className, cached);
	}
	return cached;
};

const computePairs = (className: string): ReadonlyArray<StatePair> => {
	const allowed = new Set(allowedStates(className));
	const props = classProperties(className);
	const pairs: StatePair[] = [];
	if (allowed.has("open") || allowed.has("closed") || props.has("CAN_OPEN"))
		pairs.push({ a: "CLOSED", b: "OPEN", pA: 0.75 });
	if (allowed.has("on") || allowed.has("off") || props.has("HAS_SWITCH")) pairs.push({ a: "OFF", b: "ON", pA: 0.8 });
	if (allowed.has("dirty") && allowed.has("clean")) pairs.push({ a: "CLEAN", b: "DIRTY", pA: 0.7 });
	if (allowed.has("plugged") || allowed.has("unplugged") || props.has("HAS_PLUG"))
		pairs.push({ a: "PLUGGED_IN", b: "PLUGGED_OUT", pA: 0.9 });
	return pairs;
};

/** The four room classes (docs/environments/virtualhome.md). */
export const ROOMS = ["bathroom", "bedroom", "kitchen", "livingroom"] as const;
/** A room class. */
export type Room = (typeof ROOMS)[number];

/** A piece of furniture or an appliance of a room. */
export interface FurnitureSpec {
	readonly cls: string;
	readonly room: Room;
	/** Furniture in the same spot are CLOSE to each other. */
	readonly spot: string;
	readonly category: string;
	/** Probability of being present (1 when absent). */
	readonly p?: number;
	/** Stands ON this furniture class (same room), e.g. a microwave on the kitchen counter. */
	readonly on?: string;
	/** Faces these classes (FACING edges): a sofa faces the television. */
	readonly facing?: ReadonlyArray<string>;
}

/** Furniture of every apartment; `{seat}` and the desk room vary by layout family. */
export const furnitureFor = (seat: "sofa" | "couch", deskRoom: "livingroom" | "bedroom"): FurnitureSpec[] => [
	{ cls: "fridge", room: "kitchen", spot: "fridge", category: "Appliances" },
	{ cls: "kitchen_counter", room: "kitchen", spot: "counter", category: "Furniture" },
	{ cls: "stove", room: "kitchen", spot: "counter", category: "Appliances" },
	{ cls: "microwave", room: "kitchen", spot: "counter", category: "Appliances", on: "kitchen_counter" },
	{ cls: "toaster", room: "kitchen", spot: "counter", category: "Appliances", on: "kitchen_counter", p: 0.8 },
	{ cls: "coffe_maker", room: "kitchen", spot: "counter", category: "Appliances", on: "kitchen_counter", p: 0.8 },
	{ cls: "sink", room: "kitchen", spot: "sink", category: "Furniture" },
	{ cls: "faucet", room: "kitchen", spot: "sink", category: "Furniture" },
	{ cls: "dishwasher", room: "kitchen", spot: "sink", category: "Appliances", p: 0.6 },
	{ cls: "kitchen_cabinet", room: "kitchen", spot: "cabinet", category: "Furniture" },
	{ cls: "kitchen_table", room: "kitchen", spot: "table", category: "Furniture" },
	{ cls: "chair", room: "kitchen", spot: "table", category: "Furniture", facing: ["kitchen_table"] },
	{ cls: "garbage_can", room: "kitchen", spot: "bin", category: "Furniture", p: 0.8 },
	{ cls: "light", room: "kitchen", spot: "light", category: "Lamps" },
	{ cls: "television", room: "livingroom", spot: "tv", category: "Electronics" },
	{ cls: seat, room: "livingroom", spot: "seat", category: "Furniture", facing: ["television"] },
	{ cls: "coffee_table", room: "livingroom", spot: "seat", category: "Furniture" },
	{ cls: "bookshelf", room: "livingroom", spot: "shelf", category: "Furniture" },
	{ cls: "light", room: "livingroom", spot: "light", category: "Lamps" },
	{ cls: "floor_lamp", room: "livingroom", spot: "seat", category: "Lamps", p: 0.6 },
	{ cls: "window", room: "livingroom", spot: "window", category: "Doors" },
	{ cls: "desk", room: deskRoom, spot: "desk", category: "Furniture" },
	{ cls: "chair", room: deskRoom, spot: "desk", category: "Furniture", facing: ["computer"] },
	{ cls: "computer", room: deskRoom, spot: "desk", category: "Electronics", on: "desk" },
	{ cls: "keyboard", room: deskRoom, spot: "desk", category: "Electronics", on: "desk" },
	{ cls: "mouse", room: deskRoom, spot: "desk", category: "Electronics", on: "desk" },
	{ cls: "bed", room: "bedroom", spot: "bed", category: "Furniture" },
	{ cls: "nightstand", room: "bedroom", spot: "bed", category: "Furniture" },
	{ cls: "closet", room: "bedroom", spot: "closet", category: "Furniture" },
	{ cls: "dresser", room: "bedroom", spot: "closet", category: "Furniture", p: 0.7 },
	{ cls: "light", room: "bedroom", spot: "light", category: "Lamps" },
	{ cls: "window", room: "bedroom", spot: "window", category: "Doors", p: 0.7 },
	{ cls: "toilet", room: "bathroom", spot: "toilet", category: "Furniture" },
	{ cls: "sink", room: "bathroom", spot: "basin", category: "Furniture" },
	{ cls: "faucet", room: "bathroom", spot: "basin", category: "Furniture" },
	{ cls: "bathroom_counter", room: "bathroom", spot: "basin", category: "Furniture" },
	{ cls: "bathroom_cabinet", room: "bathroom", spot: "cabinet", category: "Furniture" },
	{ cls: "bathtub", room: "bathroom", spot: "tub", category: "Furniture" },
	{ cls: "towel_rack", room: "bathroom", spot: "tub", category: "Furniture", p: 0.7 },
	{ cls: "washing_machine", room: "bathroom", spot: "laundry", category: "Appliances" },
	{ cls: "light", room: "bathroom", spot: "light", category: "Lamps" },
];

/** Where a prop may be placed: ON or INSIDE a furniture class. */
export type Placement = readonly ["ON" | "INSIDE", string];

/** A small object placed on a surface or in a container. */
export interface PropSpec {
	readonly cls: string;
	readonly places: ReadonlyArray<Placement>;
	readonly category: string;
	/** Room of a prop with no furniture place (a cat). */
	readonly room?: Room;
}

/** Props scattered as distractors (templates place the props they need themselves). */
export const PROPS: ReadonlyArray<PropSpec> = [
	{
		cls: "water_glass",
		category: "Props",
		places: [
			["ON", "kitchen_counter"],
			["INSIDE", "kitchen_cabinet"],
		],
	},
	{
		cls: "cup",
		category: "Props",
		places: [
			["ON", "kitchen_table"],
			["INSIDE", "kitchen_cabinet"],
		],
	},
	{
		cls: "mug",
		category: "Props",
		places: [
			["ON", "kitchen_counter"],
			["ON", "desk"],
		],
	},
	{
		cls: "plate",
		category: "Props",
		places: [
			["ON", "kitchen_table"],
			["INSIDE", "kitchen_cabinet"],
		],
	},
	{
		cls: "bowl",
		category: "Props",
		places: [
			["INSIDE", "kitchen_cabinet"],
			["ON", "kitchen_counter"],
		],
	},
	{
		cls: "food_apple",
		category: "Food",
		places: [
			["ON", "kitchen_table"],
			["INSIDE", "fridge"],
		],
	},
	{ cls: "food_bread", category: "Food", places: [["ON", "kitchen_counter"]] },
	{ cls: "food_cheese", category: "Food", places: [["INSIDE", "fridge"]] },
	{ cls: "food_banana", category: "Food", places: [["ON", "kitchen_table"]] },
	{
		cls: "food_carrot",
		category: "Food",
		places: [
			["INSIDE", "fridge"],
			["ON", "kitchen_counter"],
		],
	},
	{ cls: "milk", category: "Food", places: [["INSIDE", "fridge"]] },
	{ cls: "juice", category: "Food", places: [["INSIDE", "fridge"]] },
	{ cls: "knife", category: "Props", places: [["ON", "kitchen_counter"]] },
	{ cls: "cutting_board", category: "Props", places: [["ON", "kitchen_counter"]] },
	{ cls: "coffee_pot", category: "Props", places: [["ON", "kitchen_counter"]] },
	{ cls: "dish_soap", category: "Props", places: [["ON", "kitchen_counter"]] },
	{ cls: "sponge", category: "Props", places: [["ON", "kitchen_counter"]] },
	{
		cls: "rag",
		category: "Props",
		places: [
			["INSIDE", "kitchen_cabinet"],
			["ON", "kitchen_counter"],
		],
	},
	{
		cls: "book",
		category: "Props",
		places: [
			["ON", "bookshelf"],
			["ON", "nightstand"],
		],
	},
	{
		cls: "novel",
		category: "Props",
		places: [
			["ON", "bookshelf"],
			["ON", "coffee_table"],
		],
	},
	{ cls: "newspaper", category: "Props", places: [["ON", "coffee_table"]] },
	{ cls: "remote_control", category: "Electronics", places: [["ON", "coffee_table"]] },
	{
		cls: "radio",
		category: "Electronics",
		places: [
			["ON", "bookshelf"],
			["ON", "nightstand"],
		],
	},
	{
		cls: "candle",
		category: "Decor",
		places: [
			["ON", "coffee_table"],
			["ON", "kitchen_table"],
		],
	},
	{
		cls: "cellphone",
		category: "Electronics",
		places: [
			["ON", "coffee_table"],
			["ON", "nightstand"],
		],
	},
	{
		cls: "laptop",
		category: "Electronics",
		places: [
			["ON", "desk"],
			["ON", "coffee_table"],
		],
	},
	{ cls: "pillow", category: "Props", places: [["INSIDE", "closet"]] },
	{
		cls: "blanket",
		category: "Props",
		places: [
			["INSIDE", "closet"],
			["INSIDE", "dresser"],
		],
	},
	{
		cls: "clothes_shirt",
		category: "Clothes",
		places: [
			["INSIDE", "closet"],
			["INSIDE", "dresser"],
		],
	},
	{
		cls: "clothes_pants",
		category: "Clothes",
		places: [
			["INSIDE", "closet"],
			["INSIDE", "dresser"],
		],
	},
	{ cls: "shoes", category: "Clothes", places: [["INSIDE", "closet"]] },
	{ cls: "alarm_clock", category: "Electronics", places: [["ON", "nightstand"]] },
	{ cls: "toothbrush", category: "Props", places: [["ON", "bathroom_counter"]] },
	{
		cls: "tooth_paste",
		category: "Props",
		places: [
			["ON", "bathroom_counter"],
			["INSIDE", "bathroom_cabinet"],
		],
	},
	{ cls: "soap", category: "Props", places: [["ON", "bathroom_counter"]] },
	{
		cls: "towel",
		category: "Props",
		places: [
			["ON", "towel_rack"],
			["INSIDE", "bathroom_cabinet"],
		],
	},
	{ cls: "toilet_paper", category: "Props", places: [["ON", "bathroom_counter"]] },
	{ cls: "shampoo", category: "Props", places: [["INSIDE", "bathroom_cabinet"]] },
	{ cls: "cat", category: "Animals", places: [], room: "livingroom" },
];

/** The catalogue entry of a prop class. */
export const propSpec = (cls: string): PropSpec | undefined => PROPS.find((p) => p.cls === cls);
