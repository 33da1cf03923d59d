import { describe, expect, test } from "bun:test";
import { act } from "../src/act.ts";
import { ACTIONS } from "../src/parse.ts";
import { cloneState } from "../src/state.ts";
import { stateKeyOf } from "../src/state-key.ts";
import { house } from "./fixtures/house.ts";

/** Preconditions met (true) and violated (false), one block per action of SPA's grammar. */
describe("executors (docs/environments/virtualhome.md)", () => {
	test("WALK / RUN: into the target's room, CLOSE to it, to what it stands on and to an openable's contents", () => {
		const h = house();
		expect(h.run("Walk to fridge")).toEqual([true]);
		expect(h.g.has(h.char, "INSIDE", h.ids.kitchen)).toBe(true);
		expect(h.g.has(h.char, "INSIDE", h.ids.living)).toBe(false);
		expect(h.g.has(h.char, "CLOSE", h.ids.fridge) && h.g.has(h.ids.fridge, "CLOSE", h.char)).toBe(true);
		expect(h.g.has(h.char, "CLOSE", h.ids.milk)).toBe(true);
		expect(h.run("Walk to water glass")).toEqual([true]);
		expect(h.g.has(h.char, "CLOSE", h.ids.counter)).toBe(true);
		expect(h.g.has(h.char, "CLOSE", h.ids.fridge)).toBe(false);
		expect(h.run("Run to bedroom")).toEqual([true]);
		expect(h.g.from(h.char, "CLOSE").size).toBe(0);
		expect(h.run("Walk to spaceship", "Walk to sofa", "Sit on sofa", "Walk to kitchen", "Run to kitchen")).toEqual([
			false,
			true,
			true,
			false,
			false,
		]);
	});

	test("WALK carries held objects, which stay INSIDE the room left behind [quirk]", () => {
		const h = house();
		h.run("Walk to water glass", "Grab water glass", "Walk to livingroom");
		expect(h.g.has(h.ids.glass, "INSIDE", h.ids.kitchen)).toBe(true);
		expect(h.g.has(h.char, "CLOSE", h.ids.glass)).toBe(true);
		h.run("Walk to sofa");
		expect(h.g.has(h.ids.glass, "INSIDE", h.ids.living)).toBe(true);
	});

	test("FIND: close → CLOSE edge only; far → walks there; seated and far → fails", () => {
		const h = house();
		expect(h.run("Find television")).toEqual([true]);
		expect(h.g.has(h.char, "CLOSE", h.ids.tv)).toBe(true);
		h.run("Walk to sofa", "Sit on sofa");
		expect(h.run("Find fridge")).toEqual([false]);
	});

	test("GRAB: grabbable, close, not in a closed container, a free hand (right first)", () => {
		const h = house();
		expect(h.run("Grab water glass")).toEqual([false]);
		expect(h.run("Walk to water glass", "Grab water glass")).toEqual([true, true]);
		expect(h.g.has(h.char, "HOLDS_RH", h.ids.glass)).toBe(true);
		expect(h.g.has(h.ids.glass, "ON", h.ids.counter)).toBe(false);
		expect(h.run("Grab water glass")).toEqual([false]);
		expect(h.run("Grab kitchen counter")).toEqual([false]);
		expect(h.run("Walk to fridge", "Grab milk")).toEqual([true, false]);
		expect(h.run("Walk to knife", "Grab knife")).toEqual([true, true]);
		expect(h.g.has(h.char, "HOLDS_LH", h.ids.knife)).toBe(true);
		expect(h.run("Walk to food bread", "Grab food bread")).toEqual([true, false]);
	});

	test("OPEN / CLOSE: openable, close, a free hand to open, right state, not while ON", () => {
		const h = house();
		expect(h.run("Open fridge")).toEqual([false]);
		expect(h.run("Walk to fridge", "Close fridge", "Open fridge", "Open fridge")).toEqual([true, false, true, false]);
		expect(h.g.node(h.ids.fridge).states.has("OPEN")).toBe(true);
		expect(h.run("Close fridge", "Switch on fridge", "Open fridge")).toEqual([true, true, false]);
		expect(h.run("Open water glass")).toEqual([false]);
		const full = house();
		full.run("Walk to water glass", "Grab water glass", "Grab knife", "Walk to fridge");
		expect(full.run("Open fridge")).toEqual([false]);
	});

	test("PUTBACK / PUTIN / PUTOBJBACK: holding, close to the destination, openables open", () => {
		const h = house();
		expect(h.run("Put water glass on kitchen table")).toEqual([false]);
		h.run("Walk to water glass", "Grab water glass");
		expect(h.run("Put water glass on kitchen table")).toEqual([false]);
		expect(h.run("Walk to kitchen table", "Put water glass on kitchen table")).toEqual([true, true]);
		expect(h.g.has(h.ids.glass, "ON", h.ids.table)).toBe(true);
		expect(h.g.from(h.char, "HOLDS_RH").size).toBe(0);
		h.run("Grab water glass", "Walk to fridge");
		expect(h.run("Put water glass in fridge", "Open fridge", "Put water glass in fridge")).toEqual([false, true, true]);
		expect(h.g.has(h.ids.glass, "INSIDE", h.ids.fridge)).toBe(true);
		const b = house();
		expect(b.run("Walk to knife", "Put back knife", "Grab knife", "Put back knife")).toEqual([true, false, true, true]);
		expect(b.g.has(b.ids.knife, "ON", b.ids.counter)).toBe(true);
	});

	test("SWITCHON / SWITCHOFF: a switch, close, OFF→ON (not unplugged), ON→OFF", () => {
		const h = house();
		expect(h.run("Switch on television")).toEqual([false]);
		expect(h.run("Walk to television", "Switch off television", "Switch on television")).toEqual([true, false, true]);
		expect(h.g.node(h.ids.tv).states.has("ON")).toBe(true);
		expect(h.run("Switch on television", "Switch off television")).toEqual([false, true]);
		expect(h.run("Walk to radio", "Switch on radio", "Switch on coffee table")).toEqual([true, false, false]);
	});

	test("DRINK / READ: held, drinkable-or-recipient / readable", () => {
		const h = house();
		expect(h.run("Drink water glass", "Walk to water glass", "Grab water glass", "Drink water glass")).toEqual([
			false,
			true,
			true,
			true,
		]);
		expect(h.run("Grab knife", "Drink knife", "Read knife")).toEqual([true, false, false]);
		const r = house();
		expect(r.run("Walk to book", "Read book", "Grab book", "Read book")).toEqual([true, false, true, true]);
	});

	test("TURNTO / LOOKAT / POINTAT / WATCH: facing, same room; seated watchers must face it directly", () => {
		const h = house();
		expect(h.run("Look at television", "Point at television", "Watch television")).toEqual([false, false, false]);
		expect(h.run("Turn to television", "Look at television", "Point at television", "Watch television")).toEqual([
			true,
			true,
			true,
			true,
		]);
		expect(h.run("Watch sofa")).toEqual([false]);
		const s = house();
		s.run("Walk to sofa", "Sit on sofa");
		expect(s.g.has(s.char, "FACING", s.ids.tv)).toBe(true);
		expect(s.run("Watch television")).toEqual([true]);
		const k = house();
		k.run("Turn to television", "Walk to kitchen");
		expect(k.run("Watch television")).toEqual([false]);
	});

	test("SIT / LIE / STANDUP / SLEEP / WAKEUP: close, sittable/lieable, capacity; standing keeps the ON edge [quirk]", () => {
		const h = house();
		expect(h.run("Sit on sofa", "Walk to coffee table", "Sit on coffee table")).toEqual([false, true, false]);
		expect(h.run("Stand up", "Sleep", "Wake up")).toEqual([false, false, false]);
		expect(h.run("Walk to sofa", "Sit on sofa", "Sit on sofa")).toEqual([true, true, false]);
		expect(h.g.node(h.char).states.has("SITTING")).toBe(true);
		expect(h.g.has(h.char, "ON", h.ids.sofa)).toBe(true);
		expect(h.run("Sleep", "Wake up", "Stand up")).toEqual([true, true, true]);
		expect(h.g.node(h.char).states.size).toBe(0);
		expect(h.g.has(h.char, "ON", h.ids.sofa)).toBe(true);
		expect(h.run("Walk to bed", "Lie on bed", "Lie on bed")).toEqual([true, true, false]);
		expect(h.g.node(h.char).states.has("LYING")).toBe(true);
		const c = house();
		c.run("Walk to water glass", "Grab water glass", "Walk to chair", "Put water glass on chair");
		expect(c.run("Sit on chair")).toEqual([false]);
	});

	test("WIPE / WASH / RINSE / SCRUB: close (wipe also holding something) → CLEAN", () => {
		const h = house();
		expect(h.run("Walk to kitchen table", "Wipe kitchen table")).toEqual([true, false]);
		h.run("Walk to rag", "Grab rag", "Walk to kitchen table");
		expect(h.run("Wipe kitchen table")).toEqual([true]);
		expect([...h.g.node(h.ids.table).states]).toEqual(["CLEAN"]);
		const w = house();
		expect(w.run("Scrub toilet", "Walk to toilet", "Scrub toilet")).toEqual([false, true, true]);
		expect(w.g.node(w.ids.toilet).states.has("DIRTY")).toBe(false);
		expect(w.run("Wash toilet", "Rinse toilet", "Rinse sofa")).toEqual([true, true, false]);
	});

	test("PUTON (clothes, held) works; PUTOFF never does [quirk]", () => {
		const h = house();
		h.run("Walk to closet", "Open closet", "Grab clothes shirt");
		expect(h.run("Put on clothes shirt")).toEqual([true]);
		expect(h.g.has(h.ids.shirt, "ON", h.char)).toBe(true);
		expect(h.run("Take off clothes shirt")).toEqual([false]);
		const g = house();
		g.run("Walk to water glass", "Grab water glass");
		expect(g.run("Put on water glass")).toEqual([false]);
	});

	test("DROP: held → released INSIDE the room; RELEASE never parses [quirk]", () => {
		const h = house();
		expect(h.run("Drop water glass", "Walk to water glass", "Grab water glass", "Release", "Drop water glass")).toEqual(
			[false, true, true, false, true],
		);
		expect(h.g.from(h.char, "HOLDS_RH").size).toBe(0);
		expect(h.g.has(h.ids.glass, "INSIDE", h.ids.kitchen)).toBe(true);
	});

	test("TOUCH / GREET: close and not in a closed container / a person", () => {
		const h = house();
		expect(h.run("Walk to fridge", "Touch milk", "Touch fridge", "Greet fridge")).toEqual([true, false, true, false]);
		const man = h.scene.put("man", h.ids.kitchen, []);
		expect(man).toBeGreaterThan(0);
		expect(h.run("Greet man")).toEqual([true]);
	});

	test("POUR: pourable/drinkable and held into a close recipient", () => {
		const h = house();
		h.run("Walk to water glass", "Grab water glass", "Walk to fridge", "Open fridge");
		expect(
			h.run("Pour milk into water glass", "Grab milk", "Pour milk into knife", "Pour milk into water glass"),
		).toEqual([false, true, false, true]);
		expect(h.g.has(h.ids.milk, "INSIDE", h.ids.glass)).toBe(true);
		expect(h.run("Pour milk into milk")).toEqual([false]);
	});

	test("TYPE: close, a keyboard or something with a switch", () => {
		const h = house();
		expect(h.run("Type on keyboard", "Walk to keyboard", "Type on keyboard", "Type on coffee table")).toEqual([
			false,
			true,
			true,
			false,
		]);
	});

	test("PUSH / PULL / MOVE: movable (push passes for anything [quirk]), close, a free hand", () => {
		const h = house();
		h.run("Walk to fridge");
		expect(h.run("Move fridge", "Pull fridge", "Push fridge")).toEqual([false, false, true]);
		h.run("Walk to sofa");
		expect(h.run("Move sofa", "Pull sofa")).toEqual([true, true]);
	});

	test("SQUEEZE: a free hand, close, clothes or a squeezable class", () => {
		const h = house();
		expect(h.run("Walk to rag", "Squeeze rag", "Squeeze water glass")).toEqual([true, true, false]);
	});

	test("PLUGIN / PLUGOUT: a plug, close, a free hand, the opposite state", () => {
		const h = house();
		expect(h.run("Plug in radio", "Walk to radio", "Plug out radio", "Plug in radio", "Plug in radio")).toEqual([
			false,
			true,
			false,
			true,
			false,
		]);
		expect(h.g.node(h.ids.radio).states.has("PLUGGED_IN")).toBe(true);
		expect(h.run("Plug out radio", "Plug in coffee table")).toEqual([true, false]);
	});

	test("CUT / EAT: a knife in hand and an edible cuttable close / something edible close", () => {
		const h = house();
		expect(h.run("Walk to food bread", "Cut food bread", "Eat food bread", "Eat water glass")).toEqual([
			true,
			false,
			true,
			false,
		]);
		expect(h.run("Grab knife", "Cut food bread")).toEqual([true, true]);
	});

	test("every action of the grammar has an executor, and failure leaves the state untouched", () => {
		expect(ACTIONS.length).toBe(42);
		const h = house();
		h.run("Walk to water glass", "Grab water glass");
		for (const [, n, template] of ACTIONS) {
			const text = n === 0 ? template : template.replace("{}", "water glass").replace("{}", "fridge");
			const before = cloneState(h.state);
			const key = stateKeyOf(before, h.state);
			const r = act(cloneState(h.state), { byClass: new Map([["water_glass", h.ids.glass]]), lastObject: -1 }, text, 0);
			expect(typeof r.ok).toBe("boolean");
			expect(stateKeyOf(before, h.state)).toBe(key);
		}
		for (const bad of ["Grab fridge", "Sit on water glass", "Open milk", "Switch on bed"]) {
			const before = cloneState(h.state);
			expect(h.run(bad)).toEqual([false]);
			expect(stateKeyOf(before, h.state)).toBe("");
		}
	});
});

describe("executor details", () => {
	test("walking to an object in a container also makes the character CLOSE to the container (BoxObjectNode)", () => {
		const h = house();
		expect(h.run("Walk to milk")).toEqual([true]);
		expect(h.g.has(h.char, "CLOSE", h.ids.fridge)).toBe(true);
		expect(h.g.has(h.char, "CLOSE", h.ids.milk)).toBe(true);
		expect(h.run("Open fridge", "Grab milk")).toEqual([true, true]);
	});

	test("GRAB remembers where the object came from (ON before INSIDE before CLOSE) for put back", () => {
		const h = house();
		h.run("Walk to milk", "Open fridge", "Grab milk");
		expect(h.state.grabbed.get(h.ids.milk)).toEqual({ dest: h.ids.fridge, relation: "INSIDE" });
		h.run("Walk to kitchen table");
		expect(h.run("Put back milk")).toEqual([false]);
		expect(h.run("Walk to fridge", "Put back milk")).toEqual([true, true]);
		expect(h.g.has(h.ids.milk, "INSIDE", h.ids.fridge)).toBe(true);
	});
});
