import { describe, expect, test } from "bun:test";
import { Effect } from "effect";
import { TEST_FAMILIES, TRAIN_FAMILIES } from "../src/apartment.ts";
import { generateTask } from "../src/generate.ts";
import { goalReached, goalSize } from "../src/goal.ts";
import { virtualHomePlugin, virtualHomeSpecs } from "../src/plugin.ts";
import { TEMPLATES } from "../src/tasks.ts";

const options = { distractors: 12, templates: TEMPLATES };
const spec = virtualHomeSpecs[0] as (typeof virtualHomeSpecs)[number];
const makeEnv = () => Effect.runSync(virtualHomePlugin.make(spec));

/** Run the expert to the end of the episode (at most `limit` steps). */
const expertEpisode = (env: ReturnType<typeof makeEnv>, split: string, index: number, limit = 40) => {
	env.reset({ seed: 0, split, index });
	for (let t = 0; t < limit; t++) {
		const a = env.expertAction();
		if (a === undefined) return { won: false, steps: t };
		const r = env.step(a);
		if (!r.info.valid) return { won: false, steps: t + 1 };
		if (r.terminated) return { won: r.info.won, steps: t + 1 };
	}
	return { won: false, steps: limit };
};

describe("task library and generator (docs/environments/virtualhome.md)", () => {
	test("at least 30 templates with distinct ids and titles", () => {
		expect(TEMPLATES.length).toBeGreaterThanOrEqual(30);
		expect(new Set(TEMPLATES.map((t) => t.id)).size).toBe(TEMPLATES.length);
		expect(new Set(TEMPLATES.map((t) => t.title)).size).toBe(TEMPLATES.length);
	});

	test("every template yields tasks whose gold program reaches a non-empty goal", () => {
		for (const t of TEMPLATES) {
			let made = 0;
			for (let i = 0; i < 6; i++) {
				const task = generateTask(i, "train", 0, { distractors: 12, templates: [t] });
				expect(task.template).toBe(t.id);
				expect(goalSize(task.goal)).toBeGreaterThan(0);
				expect(task.gold.length).toBeGreaterThanOrEqual(3);
				expect(task.gold.length).toBeLessThanOrEqual(15);
				expect(goalReached(task.initial.graph, task.goal)).toBe(false);
				made++;
			}
			expect(made).toBe(6);
		}
	});

	test("tasks are pure functions of (seed, split, index); splits use disjoint layout families", () => {
		const a = generateTask(3, "train", 17, options);
		const b = generateTask(3, "train", 17, options);
		expect(a.gold).toEqual(b.gold);
		expect(a.goal).toEqual(b.goal);
		expect(a.initial.graph.edges()).toEqual(b.initial.graph.edges());
		expect(generateTask(4, "train", 17, options).initial.graph.edges()).not.toEqual(a.initial.graph.edges());
		for (let i = 0; i < 30; i++) {
			expect(TRAIN_FAMILIES).toContain(generateTask(0, "train", i, options).family);
			expect(TEST_FAMILIES).toContain(generateTask(0, "test", i, options).family);
		}
	});

	test("apartments: four rooms joined by doors, one character INSIDE one room, states from the class's allowed set", () => {
		const task = generateTask(0, "train", 5, options);
		const g = task.initial.graph;
		const rooms = [...g.nodes.values()].filter((n) => n.category === "Rooms").map((n) => n.className);
		expect(rooms.sort()).toEqual(["bathroom", "bedroom", "kitchen", "livingroom"]);
		const doors = [...g.nodes.values()].filter((n) => n.className === "door" || n.className === "doorjamb");
		expect(doors.length).toBe(3);
		for (const d of doors) expect(g.from(d.id, "BETWEEN").size).toBe(2);
		expect(g.from(task.initial.char, "INSIDE").size).toBe(1);
		for (const n of g.nodes.values()) {
			if (n.states.has("OPEN") || n.states.has("CLOSED"))
				expect(n.states.has("OPEN") && n.states.has("CLOSED")).toBe(false);
			if (n.states.has("ON")) expect(n.states.has("OFF")).toBe(false);
			if (n.category !== "Rooms" && n.category !== "Characters") expect(g.from(n.id, "INSIDE").size).toBeGreaterThan(0);
		}
	});

	test("the expert (gold program as natural actions) solves 100 tasks per split", () => {
		const env = makeEnv();
		for (const split of ["train", "test"]) {
			let won = 0;
			for (let i = 0; i < 100; i++) if (expertEpisode(env, split, i).won) won++;
			expect(won).toBe(100);
		}
	});

	test("the expert recovers after off-plan actions", () => {
		const env = makeEnv();
		let won = 0;
		for (let i = 0; i < 40; i++) {
			const reset = env.reset({ seed: 9, split: "train", index: i });
			expect(reset.observation).toBe("");
			// Wander first: walk to every room and back.
			for (const room of ["bathroom", "bedroom", "kitchen", "livingroom"]) env.step(`Walk to ${room}`);
			let t = 0;
			for (; t < 36; t++) {
				const a = env.expertAction();
				if (a === undefined) break;
				if (env.step(a).terminated) break;
			}
			if (env.expertAction() === undefined) won++;
		}
		expect(won).toBe(40);
	});

	test("the expert recovers after other tasks' actions (grabs, seats, opened doors)", () => {
		const env = makeEnv();
		const pool = Array.from({ length: 30 }, (_, i) => generateTask(5, "train", i, options).gold).flat();
		let offPlanValid = 0;
		for (let i = 0; i < 40; i++) {
			env.reset({ seed: 2, split: "train", index: i });
			let won = false;
			let t = 0;
			for (; t < 6 && !won; t++) {
				const r = env.step(pool[(i * 11 + t * 17) % pool.length] as string);
				if (r.info.valid) offPlanValid++;
				won = r.info.won;
			}
			for (; t < 40 && !won; t++) won = env.step(env.expertAction() ?? "").info.won;
			expect(won).toBe(true);
		}
		expect(offPlanValid).toBeGreaterThan(60);
	});
});

describe("apartment vocabulary", () => {
	test("node properties are properties_data.json's; states stay within each class's state dimensions", async () => {
		const { readFileSync } = await import("node:fs");
		const { join } = await import("node:path");
		const { statePairs } = await import("../src/catalogue.ts");
		const props = JSON.parse(readFileSync(join(import.meta.dir, "../data/properties_data.json"), "utf8")) as Record<
			string,
			string[]
		>;
		let nodes = 0;
		for (let i = 0; i < 60; i++) {
			const task = generateTask(i, i % 3 === 0 ? "test" : "train", i, { distractors: 60, templates: TEMPLATES });
			for (const n of task.initial.graph.nodes.values()) {
				if (n.category === "Rooms" || n.category === "Characters" || n.className === "doorjamb") {
					expect(n.properties.size).toBe(0);
				} else if (n.className !== "kitchen_table") {
					expect([...n.properties].sort() as string[]).toEqual([...(props[n.className] ?? [])].sort());
				}
				const pairs = statePairs(n.className);
				for (const st of n.states) expect(pairs.some((p) => p.a === st || p.b === st)).toBe(true);
				for (const p of pairs) expect(n.states.has(p.a) !== n.states.has(p.b)).toBe(true);
				nodes++;
			}
		}
		expect(nodes).toBeGreaterThan(5000);
	});
});
