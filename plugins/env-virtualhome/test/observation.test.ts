import { describe, expect, test } from "bun:test";
import { act } from "../src/act.ts";
import { generateTask } from "../src/generate.ts";
import type { Bindings } from "../src/grounding.ts";
import { buildObservation, isVisible, NOTHING_HAPPENS, visibleNodes } from "../src/observation.ts";
import { SPA_ICL, virtualHomePrompts } from "../src/prompts.ts";
import { cloneState } from "../src/state.ts";
import { TEMPLATES } from "../src/tasks.ts";
import { Scene } from "./fixtures/scene.ts";

const noBindings: Bindings = { byClass: new Map(), lastObject: -1 };

/** Replay an action list, returning the chat observation after each one. */
const replay = (scene: Scene, actions: ReadonlyArray<string>, bind: Record<string, number> = {}): string[] => {
	const s = scene.state();
	let b: Bindings = { ...noBindings, byClass: new Map(Object.entries(bind)) };
	return actions.map((a) => {
		const r = act(s, b, a, 0);
		b = r.bindings;
		return virtualHomePrompts.chatObservation(r.ok ? buildObservation(s) : NOTHING_HAPPENS);
	});
};

describe("observation text (docs/environments/virtualhome.md)", () => {
	test("SPA's in-context example observations, byte-exact", () => {
		// The ICL episode: a clean water glass standing in the dining room, the character elsewhere.
		const scene = new Scene();
		const living = scene.room("livingroom");
		const dining = scene.room("dining_room");
		scene.graph.add(scene.char, "INSIDE", living);
		scene.put("water_glass", dining, ["CLEAN"]);
		const turns = SPA_ICL.slice(1);
		const actions = turns.filter((m) => m.role === "assistant").map((m) => /Action: (.*)$/s.exec(m.content)?.[1] ?? "");
		const expected = turns.filter((m) => m.role === "user").map((m) => m.content);
		expect(actions).toEqual([
			"Walk to dining room",
			"Walk to water glass",
			"Find water glass",
			"Grab water glass",
			"Drink water glass",
		]);
		expect(expected).toEqual([
			"Observation: ",
			"Observation: water_glass is CLEAN. ",
			"Observation: water_glass is CLEAN. ",
			"Observation: character, water_glass is CLEAN. You have water_glass. ",
		]);
		const got = replay(scene, actions);
		expect(got.slice(0, expected.length)).toEqual(expected);
		// Drinking changes nothing: the observation repeats.
		expect(got[4]).toBe(expected[3] as string);
	});

	test("states of every node of a seen class, relations among close nodes, sorted and deduplicated", () => {
		const scene = new Scene();
		const kitchen = scene.room("kitchen");
		scene.graph.add(scene.char, "INSIDE", kitchen);
		const table = scene.put("kitchen_table", kitchen, ["DIRTY"]);
		const mug = scene.put("mug", kitchen, ["CLEAN"], { rel: "ON", to: table });
		// A second mug elsewhere (another room) still contributes its phrase: SPA scans the whole graph.
		const bath = scene.room("bathroom");
		scene.put("mug", bath, ["DIRTY"]);
		const [walk] = replay(scene, ["Walk to mug"], { mug });
		expect(walk).toBe("Observation: kitchen_table is DIRTY, mug is CLEAN, mug is DIRTY, mug ON kitchen_table. ");
	});

	test("multi-state phrases join with ' and ', states sorted", () => {
		const scene = new Scene();
		const kitchen = scene.room("kitchen");
		scene.graph.add(scene.char, "INSIDE", kitchen);
		scene.put("fridge", kitchen, ["OFF", "CLOSED", "PLUGGED_IN", "CLEAN"]);
		expect(replay(scene, ["Walk to fridge"])).toEqual([
			"Observation: fridge is CLEAN and CLOSED and OFF and PLUGGED_IN. ",
		]);
	});

	test("objects inside a closed container are not visible; opening reveals them", () => {
		const scene = new Scene();
		const kitchen = scene.room("kitchen");
		scene.graph.add(scene.char, "INSIDE", kitchen);
		const fridge = scene.put("fridge", kitchen, ["CLOSED", "OFF"]);
		const milk = scene.put("milk", kitchen, ["CLOSED"], { rel: "INSIDE", to: fridge });
		const s = scene.state();
		expect(visibleNodes(s).has(milk)).toBe(false);
		const obs = replay(scene, ["Walk to fridge", "Open fridge"]);
		// Walking to an openable container makes the character CLOSE to its contents, but they are hidden.
		expect(obs[0]).toBe("Observation: fridge is CLOSED and OFF. ");
		expect(obs[1]).toBe("Observation: fridge is OFF and OPEN, milk is CLOSED. ");
		expect(visibleNodes(s).has(milk)).toBe(true);
	});

	test("failed steps answer 'Nothing happens.'; empty observations are empty", () => {
		const scene = new Scene();
		const kitchen = scene.room("kitchen");
		scene.graph.add(scene.char, "INSIDE", kitchen);
		expect(replay(scene, ["Grab spaceship", "Walk to kitchen", "jump around"])).toEqual([
			"Observation: Nothing happens.",
			"Observation: ",
			"Observation: Nothing happens.",
		]);
	});

	test("the per-node visibility test agrees with the whole visible set along gold programs", () => {
		let checked = 0;
		for (let i = 0; i < 40; i++) {
			const task = generateTask(0, i % 2 === 0 ? "train" : "test", i, { distractors: 20, templates: TEMPLATES });
			const s = cloneState(task.initial);
			let b: Bindings = { byClass: task.objects, lastObject: -1 };
			for (const line of task.gold) {
				b = act(s, b, line, task.seed).bindings;
				const all = visibleNodes(s);
				const rooms = new Set([...s.graph.from(s.char, "INSIDE")]);
				for (const id of s.graph.nodes.keys()) {
					expect(isVisible(s, id, rooms)).toBe(all.has(id));
					checked++;
				}
			}
		}
		expect(checked).toBeGreaterThan(10_000);
	});
});
