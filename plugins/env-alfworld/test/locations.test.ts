/**
 * ALFWorld's location rule (the `-v1` specs). In ALFWorld a receptacle's location is the pose the
 * ALFRED generator stands at to interact with it (`loc|x|z|rotation|horizon`), and two receptacles
 * whose poses coincide share one location. TextWorld's planner (Fast Downward) drops every grounded
 * operator that changes nothing, so `go to` a receptacle at the agent's own location is no command
 * and the engine answers `Nothing happens.`; every other command names any receptacle at the
 * location, since the PDDL asks only `atLocation ?a ?l` and `receptacleAtLocation ?r ?l`.
 *
 * Worked examples are real engine output: ReAct's `react_puttwo_2` prompt (FloorPlan5) and a
 * logged verl-style rollout in FloorPlan219 (`valid_unseen/pick_and_place_simple-Watch-None-Safe-219`),
 * both with cabinet 1 and cabinet 2 at one location.
 */
import { describe, expect, test } from "bun:test";
import { Rng } from "@stepwise/core";
import { Effect } from "effect";
import { colocatedGroups, floorPlans, readData, receptacleTypes } from "../src/data.ts";
import { AlfworldGame } from "../src/env.ts";
import { generateTask, makeLayout, splits } from "../src/generator.ts";
import { goalSatisfied, makeGoal } from "../src/goals.ts";
import { alfworldPlugin, currentSpecV1, legacySpec, legacySpecV1 } from "../src/plugin.ts";
import { type Command, execute } from "../src/rules.ts";
import { makeObject, type Receptacle, type Scene, sameLocation, WorldState } from "../src/state.ts";
import { lookText } from "../src/text.ts";

interface ColocationFile {
	readonly summary: {
		readonly floor_plans_with_shared_locations: number;
		readonly receptacles_sharing_a_location: number;
		readonly groups: number;
		readonly group_sizes: Record<string, number>;
	};
	readonly groups: Record<string, ReadonlyArray<ReadonlyArray<string>>>;
}
const colocation = readData<ColocationFile>("colocated_receptacles.json");

/** FloorPlan219 as the logged rollout shows it (cabinets 1–2 and 3–4 share locations). */
const rec = (name: string, openable: boolean, loc: number): Receptacle => {
	const i = name.lastIndexOf(" ");
	return { name, type: name.slice(0, i), num: Number(name.slice(i + 1)), openable, loc };
};
const room219: Receptacle[] = [
	rec("cabinet 1", true, 3),
	rec("cabinet 2", true, 3),
	rec("cabinet 3", true, 5),
	rec("cabinet 4", true, 5),
	rec("safe 1", true, 1),
	rec("sidetable 1", false, 2),
	rec("drawer 1", true, 4),
	rec("drawer 2", true, 4),
	rec("drawer 3", true, 4),
];
const scene219: Scene = {
	receptacles: room219,
	objects: [
		makeObject("box", 1),
		makeObject("cellphone", 2),
		makeObject("cellphone", 3),
		makeObject("desklamp", 1),
		makeObject("newspaper", 1),
		makeObject("vase", 1),
		makeObject("watch", 1),
	],
	// box 1 in cabinet 3, cellphones in the safe, the lamp on the side table, newspaper in cabinet 2,
	// vase in cabinet 1, the watch in drawer 2.
	objectIn: [2, 4, 4, 5, 1, 0, 7],
	opened: room219.map(() => false),
	goal: makeGoal("pick_and_place_simple", "watch", "safe", "", 1),
	room: "livingroom",
	layout: "219-worked-example",
	sharedLocations: true,
};

const play = (g: AlfworldGame, command: string): string => g.play(command)?.observation ?? "Nothing happens.";

describe("the co-located receptacles of ALFWorld's floor plans (colocated_receptacles.json)", () => {
	test("FloorPlan5 (ReAct's put-two kitchen) and FloorPlan219 pair cabinet 1 with cabinet 2, as real games show", () => {
		expect(colocatedGroups(5)).toContainEqual(["cabinet 1", "cabinet 2"]);
		expect(colocatedGroups(219)).toContainEqual(["cabinet 1", "cabinet 2"]);
		expect(colocatedGroups(219)).toContainEqual(["cabinet 3", "cabinet 4"]);
	});

	test("stove burners (not in the layout files): FloorPlan18's games print 'You are facing the stoveburner 3, and stoveburner 1.'", () => {
		expect(colocatedGroups(18)).toEqual([
			["stoveburner 1", "stoveburner 3"],
			["stoveburner 2", "stoveburner 4"],
		]);
		const plan18 = floorPlans.find((p) => p.id === 18);
		if (plan18 === undefined) throw new Error("FloorPlan18 missing");
		const state = new WorldState({
			...scene219,
			receptacles: makeLayout(plan18, 0, "shared"),
			objects: [],
			objectIn: [],
		});
		state.agentAt = state.scene.receptacles.findIndex((r) => r.name === "stoveburner 3");
		expect(lookText(state)).toBe("You are facing the stoveburner 3, and stoveburner 1. Next to it, you see nothing.");
	});

	test("55 of 120 floor plans have shared locations: 94 groups (90 pairs), 193 receptacles; names exist in the plan", () => {
		const groups = Object.entries(colocation.groups);
		expect(groups.length).toBe(colocation.summary.floor_plans_with_shared_locations);
		expect(groups.length).toBe(55);
		const all = groups.flatMap(([, g]) => g);
		expect(all.length).toBe(94);
		expect(all.filter((g) => g.length === 2).length).toBe(90);
		expect(all.reduce((a, g) => a + g.length, 0)).toBe(193);
		for (const [id, gs] of groups) {
			const plan = floorPlans.find((p) => p.id === Number(id));
			expect(plan).toBeDefined();
			const counts = new Map(plan?.receptacles);
			for (const g of gs)
				for (const name of g) {
					const i = name.lastIndexOf(" ");
					const type = name.slice(0, i);
					expect(receptacleTypes.has(type)).toBe(true);
					expect(Number(name.slice(i + 1))).toBeLessThanOrEqual(counts.get(type) ?? 0);
				}
		}
	});

	test("layouts: `distinct` gives every receptacle its own location; `shared` merges each group present, numbered 1..L", () => {
		let merged = 0;
		for (const plan of floorPlans)
			for (let v = 0; v < 8; v++) {
				const own = makeLayout(plan, v);
				const shared = makeLayout(plan, v, "shared");
				expect(new Set(own.map((r) => r.loc)).size).toBe(own.length);
				expect(shared.map(({ loc: _, ...r }) => r)).toEqual(own.map(({ loc: _, ...r }) => r));
				const locs = new Set(shared.map((r) => r.loc));
				expect([...locs].sort((a, b) => a - b)).toEqual(Array.from({ length: locs.size }, (_, i) => i + 1));
				const byName = new Map(shared.map((r) => [r.name, r.loc] as const));
				let expected = own.length;
				for (const g of colocatedGroups(plan.id)) {
					const present = g.filter((n) => byName.has(n));
					if (present.length < 2) continue;
					expect(new Set(present.map((n) => byName.get(n))).size).toBe(1);
					expected -= present.length - 1;
				}
				expect(locs.size).toBe(expected);
				merged += own.length - locs.size;
			}
		expect(merged).toBeGreaterThan(0);
		const plan219 = floorPlans.find((p) => p.id === 219);
		if (plan219 === undefined) throw new Error("FloorPlan219 missing");
		for (let v = 0; v < 8; v++) {
			const l = makeLayout(plan219, v, "shared");
			expect(l.find((r) => r.name === "cabinet 1")?.loc).toBe(l.find((r) => r.name === "cabinet 2")?.loc);
		}
	});
});

describe("dynamics at a shared location (FloorPlan219 worked example, current grammar)", () => {
	test("the logged rollout's texts: arrive, open, look facing both, examine and open the other one", () => {
		const g = new AlfworldGame(scene219, { grammar: "current", intro: "banner", arrive: "raw" });
		expect(play(g, "go to cabinet 2")).toBe("You arrive at cabinet 2. The cabinet 2 is closed.");
		expect(play(g, "open cabinet 2")).toBe(
			"You open the cabinet 2. The cabinet 2 is open. In it, you see a newspaper 1.",
		);
		expect(play(g, "look")).toBe("You are facing the cabinet 2, and cabinet 1. Next to it, you see nothing.");
		expect(play(g, "examine cabinet 1")).toBe("The cabinet 1 is closed.");
		expect(play(g, "open cabinet 1")).toBe("You open the cabinet 1. The cabinet 1 is open. In it, you see a vase 1.");
		expect(play(g, "close cabinet 1")).toBe("You close the cabinet 1.");
		expect(play(g, "take newspaper 1 from cabinet 2")).toBe("You pick up the newspaper 1 from the cabinet 2.");
		expect(play(g, "move newspaper 1 to cabinet 2")).toBe("You move the newspaper 1 to the cabinet 2.");
	});

	test("`go to` either receptacle of the location answers `Nothing happens.` and is not admissible; the others are", () => {
		const g = new AlfworldGame(scene219, { grammar: "current", intro: "banner", arrive: "raw" });
		play(g, "go to cabinet 1");
		const list = g.admissible().list;
		expect(list).not.toContain("go to cabinet 1");
		expect(list).not.toContain("go to cabinet 2");
		for (const c of ["go to cabinet 3", "go to safe 1", "open cabinet 1", "open cabinet 2", "examine cabinet 2"])
			expect(list).toContain(c);
		expect(list).not.toContain("open cabinet 3");
		const before = g.observation;
		expect(g.play("go to cabinet 2")).toBeUndefined();
		expect(g.play("go to cabinet 1")).toBeUndefined();
		expect(g.observation).toBe(before);
		expect(g.state.agentAt).toBe(0);
	});

	test("an object put in one of two co-located receptacles lies 'next to it' (objectAtLocation), until taken", () => {
		// A logged rollout: `move box 1 to cabinet 2`, then `look` → `… Next to it, you see a box 1.`
		const g = new AlfworldGame(scene219, { grammar: "current", intro: "banner", arrive: "raw" });
		play(g, "go to cabinet 3");
		play(g, "open cabinet 3");
		expect(play(g, "take box 1 from cabinet 3")).toBe("You pick up the box 1 from the cabinet 3.");
		play(g, "go to cabinet 2");
		play(g, "open cabinet 2");
		expect(play(g, "move box 1 to cabinet 2")).toBe("You move the box 1 to the cabinet 2.");
		expect(play(g, "look")).toBe("You are facing the cabinet 2, and cabinet 1. Next to it, you see a box 1.");
		play(g, "take box 1 from cabinet 2");
		expect(play(g, "look")).toBe("You are facing the cabinet 2, and cabinet 1. Next to it, you see nothing.");
		// At a receptacle of its own a put object is in the only receptacle there: nothing next to it.
		play(g, "go to safe 1");
		play(g, "open safe 1");
		play(g, "move box 1 to safe 1");
		expect(play(g, "look")).toBe("You are facing the safe 1. Next to it, you see nothing.");
	});

	test("three at one location: the grammar pairs a put object with each receptacle not holding it", () => {
		const state = new WorldState(scene219);
		const run = (c: Command) => execute(state, c, { grammar: "current", intro: "banner", arrive: "raw" });
		run({ kind: "goto", r: 3 }); // cabinet 4, which shares its location with cabinet 3
		run({ kind: "open", r: 2 });
		run({ kind: "take", o: 0, r: 2 }); // box 1 from cabinet 3
		run({ kind: "goto", r: 6 });
		run({ kind: "open", r: 6 });
		run({ kind: "put", o: 0, r: 6 });
		expect(lookText(state)).toBe(
			"You are facing the drawer 3, drawer 2, and drawer 1. Next to it, you see a box 1, and a box 1.",
		);
	});

	test("legacy grammar: co-located receptacles print the same `loc N`", () => {
		const g = new AlfworldGame(scene219, { grammar: "legacy", intro: "eval", arrive: "raw" });
		expect(play(g, "go to cabinet 1")).toBe("You arrive at loc 3. The cabinet 1 is closed.");
		play(g, "go to safe 1");
		expect(play(g, "go to cabinet 2")).toBe("You arrive at loc 3. The cabinet 2 is closed.");
	});

	test("look tasks: a lamp in a co-located receptacle is 'at the agent's location'", () => {
		const scene: Scene = { ...scene219, goal: makeGoal("look_at_obj_in_light", "watch", "", "desklamp", 0) };
		const moved: Scene = { ...scene, objectIn: [2, 4, 4, 6, 1, 0, 7] }; // the lamp in drawer 1, the watch in drawer 2
		const g = new AlfworldGame(moved, { grammar: "current", intro: "banner", arrive: "raw" });
		play(g, "go to drawer 2");
		play(g, "open drawer 2");
		play(g, "take watch 1 from drawer 2");
		expect(g.admissible().list).toContain("use desklamp 1");
		expect(play(g, "use desklamp 1")).toBe("You turn on the desklamp 1.");
		expect(goalSatisfied(g.state)).toBe(true);
		expect(g.won).toBe(true);
	});

	test("the -v0 rule is unchanged: `go to` the receptacle the agent stands at re-arrives", () => {
		const own: Scene = {
			...scene219,
			receptacles: room219.map((r, i) => ({ ...r, loc: i + 1 })),
			sharedLocations: false,
		};
		const g = new AlfworldGame(own, { grammar: "current", intro: "banner", arrive: "raw" });
		play(g, "go to cabinet 1");
		expect(g.admissible().list).toContain("go to cabinet 1");
		expect(g.admissible().list).not.toContain("open cabinet 2");
		expect(play(g, "go to cabinet 1")).toBe("You arrive at cabinet 1. The cabinet 1 is closed.");
		expect(play(g, "look")).toBe("You are facing the cabinet 1. Next to it, you see nothing.");
	});

	test("sameLocation: the middle of the room shares no location", () => {
		expect(sameLocation(scene219, 0, 1)).toBe(true);
		expect(sameLocation(scene219, 0, 2)).toBe(false);
		expect(sameLocation(scene219, -1, -1)).toBe(false);
	});
});

describe("the -v1 specs", () => {
	const make = (spec = legacySpecV1, overrides: Record<string, unknown> = {}) =>
		Effect.runSync(alfworldPlugin.make(spec, overrides));

	test("both experts solve 60 tasks per split with only admissible commands, using co-located receptacles without `go to`", () => {
		let coLocatedActs = 0;
		for (const expert of ["searcher", "oracle"] as const)
			for (const split of splits)
				for (let i = 0; i < 60; i++) {
					const task = generateTask(0, split, i, { locations: "shared" });
					expect(task.scene.sharedLocations).toBe(true);
					const g = new AlfworldGame(task.scene, { grammar: "legacy", intro: "sft", arrive: "stripped" });
					let steps = 0;
					while (!g.won && steps < 40) {
						const a = expert === "oracle" ? g.oracleAction() : (g.searcherAction() ?? g.oracleAction());
						expect(a).toBeDefined();
						const at = g.state.agentAt;
						const r = g.play(a as string);
						expect(r).toBeDefined();
						const c = r?.command;
						if (c !== undefined && "r" in c && c.kind !== "goto" && c.r !== at) coLocatedActs++;
						steps++;
					}
					expect(g.won).toBe(true);
				}
		expect(coLocatedActs).toBeGreaterThan(0);
	});

	test("an invalid `go to` here leaves the state key, the admissible list and the location unchanged", () => {
		const rng = new Rng(3);
		let checked = 0;
		for (let i = 0; i < 40 && checked < 20; i++) {
			const env = make(currentSpecV1);
			env.reset({ seed: 0, split: "train", index: i });
			for (let t = 0; t < 12; t++) {
				const a = env.expertAction();
				if (a === undefined) break;
				const r = env.step(a);
				if (r.terminated) break;
				const here = a.startsWith("go to ") ? a : undefined;
				if (here === undefined) continue;
				const key = env.stateKey();
				const adm = env.admissibleActions();
				const again = env.step(here);
				expect(again.observation).toBe("Nothing happens.");
				expect(again.info.valid).toBe(false);
				expect(env.stateKey()).toBe(key);
				expect(env.admissibleActions()).toEqual(adm);
				checked++;
				if (rng.chance(0.5)) break;
			}
		}
		expect(checked).toBeGreaterThanOrEqual(20);
	});

	test("v1 tasks are v0's games with merged locations (same draws); about a third have a shared location", () => {
		let shared = 0;
		for (let i = 0; i < 60; i++) {
			const split = splits[i % 3] ?? "train";
			const v0 = make(legacySpec).reset({ seed: 0, split, index: i });
			const v1 = make(legacySpecV1).reset({ seed: 0, split, index: i });
			expect(v1.info?.extra?.game).toBe(v0.info?.extra?.game);
			expect(v1.observation).toBe(v0.observation);
			const t0 = generateTask(0, split, i);
			const t1 = generateTask(0, split, i, { locations: "shared" });
			expect(t1.scene.objectIn).toEqual(t0.scene.objectIn);
			expect(t1.scene.receptacles.map(({ loc: _, ...r }) => r)).toEqual(
				t0.scene.receptacles.map(({ loc: _, ...r }) => r),
			);
			if (new Set(t1.scene.receptacles.map((r) => r.loc)).size < t1.scene.receptacles.length) shared++;
		}
		expect(shared).toBeGreaterThan(10);
		expect(shared).toBeLessThan(40);
	});
});
