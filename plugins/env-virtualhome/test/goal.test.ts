import { describe, expect, test } from "bun:test";
import { diffGoal, type Goal, goalProgress, goalReached } from "../src/goal.ts";
import { cloneState } from "../src/state.ts";
import { house } from "./fixtures/house.ts";

describe("goal graphs (docs/environments/virtualhome.md)", () => {
	test("node states compare as sets", () => {
		const h = house();
		const goal: Goal = {
			nodes: [{ id: h.ids.fridge, className: "fridge", states: ["PLUGGED_IN", "OPEN", "OFF"] }],
			forbidden: [],
			required: [],
		};
		expect(goalReached(h.g, goal)).toBe(false);
		h.run("Walk to fridge", "Open fridge");
		expect(goalReached(h.g, goal)).toBe(true);
		h.run("Switch on fridge");
		expect(goalReached(h.g, goal)).toBe(false);
		// A subset of the states is not enough: sets must be equal.
		const partial: Goal = {
			nodes: [{ id: h.ids.fridge, className: "fridge", states: ["OPEN"] }],
			forbidden: [],
			required: [],
		};
		expect(goalReached(h.g, partial)).toBe(false);
	});

	test("forbidden edges must be absent and required edges present", () => {
		const h = house();
		const goal: Goal = {
			nodes: [],
			forbidden: [{ from: h.ids.glass, relation: "ON", to: h.ids.counter }],
			required: [{ from: h.ids.glass, relation: "ON", to: h.ids.table }],
		};
		expect(goalReached(h.g, goal)).toBe(false);
		expect(goalProgress(h.g, goal)).toBe(0);
		h.run("Walk to water glass", "Grab water glass");
		expect(goalReached(h.g, goal)).toBe(false);
		expect(goalProgress(h.g, goal)).toBe(0.5);
		h.run("Walk to kitchen table", "Put water glass on kitchen table");
		expect(goalReached(h.g, goal)).toBe(true);
		expect(goalProgress(h.g, goal)).toBe(1);
	});

	test("the goal of a program is its graph difference, without proximity or room membership", () => {
		const h = house();
		const initial = cloneState(h.state);
		h.run(
			"Walk to water glass",
			"Grab water glass",
			"Walk to fridge",
			"Open fridge",
			"Put water glass in fridge",
			"Walk to sofa",
			"Sit on sofa",
		);
		const goal = diffGoal(initial.graph, h.g);
		expect(goal.nodes).toEqual([
			{ id: h.char, className: "character", states: ["SITTING"] },
			{ id: h.ids.fridge, className: "fridge", states: ["OFF", "OPEN", "PLUGGED_IN"] },
		]);
		expect(goal.forbidden).toEqual([{ from: h.ids.glass, relation: "ON", to: h.ids.counter }]);
		expect(goal.required).toEqual([
			{ from: h.char, relation: "ON", to: h.ids.sofa },
			{ from: h.ids.glass, relation: "INSIDE", to: h.ids.fridge },
		]);
		for (const e of [...goal.forbidden, ...goal.required]) expect(["CLOSE", "FACING"]).not.toContain(e.relation);
		expect(goalReached(initial.graph, goal)).toBe(false);
		expect(goalReached(h.g, goal)).toBe(true);
	});

	test("held objects are HOLDS edges in the goal (right hand first)", () => {
		const h = house();
		const initial = cloneState(h.state);
		h.run("Walk to water glass", "Grab water glass", "Grab knife");
		const goal = diffGoal(initial.graph, h.g);
		expect(goal.required).toEqual([
			{ from: h.char, relation: "HOLDS_LH", to: h.ids.knife },
			{ from: h.char, relation: "HOLDS_RH", to: h.ids.glass },
		]);
		expect(goal.forbidden.length).toBe(2);
	});
});
