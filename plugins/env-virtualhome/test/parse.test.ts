import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { act } from "../src/act.ts";
import {
	ACTIONS,
	INSTRUCTED_ACTIONS,
	naturalAction,
	parseActionLine,
	parseProgramLine,
	programText,
} from "../src/parse.ts";
import { Scene } from "./fixtures/scene.ts";

const parsed = (text: string) => {
	const p = parseActionLine(text);
	return p.ok ? programText(p.line) : undefined;
};

describe("SPA action parsing (docs/environments/virtualhome.md)", () => {
	test("templates give program lines; case-insensitive; anything up to the first colon dropped", () => {
		expect(parsed("Walk to dining room")).toBe("[WALK] <dining_room> (1)");
		expect(parsed("  GRAB Water Glass ")).toBe("[GRAB] <water_glass> (1)");
		expect(parsed("Step 3: put plate in microwave")).toBe("[PUTIN] <plate> (1) <microwave> (1)");
		expect(parsed("put water glass on kitchen table")).toBe("[PUTBACK] <water_glass> (1) <kitchen_table> (1)");
		expect(parsed("put on clothes shirt")).toBe("[PUTON] <clothes_shirt> (1)");
		expect(parsed("take off clothes shirt")).toBe("[PUTOFF] <clothes_shirt> (1)");
		expect(parsed("pour milk into cup")).toBe("[POUR] <milk> (1) <cup> (1)");
		expect(parsed("stand up")).toBe("[STANDUP]");
		expect(parsed("wake up")).toBe("[WAKEUP]");
		expect(parsed("plug in radio")).toBe("[PLUGIN] <radio> (1)");
	});

	test("ambiguous lines (two templates) fall back to the word-count guess", () => {
		// "put back X on Y" matches both `put {} on {}` and `put back {}`.
		expect(parseActionLine("put back cup on table").ok).toBe(false);
	});

	test("word-count fallback: [WORD] <w2>… from the original line, arguments keep their case", () => {
		expect(parsed("walk kitchen")).toBe("[WALK] <kitchen> (1)");
		expect(parsed("standup")).toBe("[STANDUP]");
		expect(parsed("putin plate microwave")).toBe("[PUTIN] <plate> (1) <microwave> (1)");
		expect(parsed("switchon living room light")).toBe("[SWITCHON] <living_room_light> (1)");
		expect(parsed("Walk Kitchen")).toBe("[WALK] <Kitchen> (1)");
		expect(parsed("dance")).toBeUndefined();
		expect(parsed("walk")).toBeUndefined();
		expect(parsed("grab a b c")).toBe("[GRAB] <a_b_c> (1)");
	});

	test("release never parses (template without a slot, action needs one) [quirk]", () => {
		expect(parseActionLine("release").ok).toBe(false);
		expect(parseActionLine("Release cup").ok).toBe(true);
	});

	test("garbage is rejected without throwing", () => {
		for (const g of [
			"",
			" ",
			"\u0000",
			"x".repeat(50_000),
			"<action></action>",
			"[WALK] <a> (1)",
			"walk to <x>",
			"grab 7up",
		])
			expect(parseActionLine(g).ok).toBe(false);
	});

	test("natural actions round-trip for every action; the 27 instructed ones are known", () => {
		for (const [name, n] of ACTIONS) {
			if (name === "RELEASE") continue;
			const line = { action: name, args: ["water_glass", "kitchen_table"].slice(0, n) };
			const text = naturalAction(line);
			expect(text.charAt(0)).toBe(text.charAt(0).toUpperCase());
			const back = parseActionLine(text);
			expect(back.ok && back.line).toEqual(line);
		}
		expect(INSTRUCTED_ACTIONS.length).toBe(27);
		expect(new Set(INSTRUCTED_ACTIONS).size).toBe(27);
	});

	test("VirtualHome's example script: every line is an action of the grammar and executes in a matching scene", () => {
		const script = readFileSync(join(import.meta.dir, "../data/example_script_1.txt"), "utf8")
			.trim()
			.split("\n");
		const lines = script.map((l) => parseProgramLine(l));
		expect(lines.every((l) => l !== undefined)).toBe(true);
		const scene = new Scene();
		const kitchen = scene.room("kitchen");
		scene.graph.add(scene.char, "INSIDE", kitchen);
		const table = scene.put("kitchen_table", kitchen, ["CLEAN"]);
		scene.put("plate", kitchen, ["CLEAN"], { rel: "ON", to: table });
		scene.put("microwave", kitchen, ["CLOSED", "OFF", "PLUGGED_IN"]);
		scene.put("milk", kitchen, ["CLOSED"], { rel: "ON", to: table });
		scene.put("chair", kitchen, []);
		const s = scene.state();
		let b = { byClass: new Map<string, number>(), lastObject: -1 };
		const ok = lines.map((line) => {
			const r = act(s, b, naturalAction(line as NonNullable<typeof line>), 0);
			b = { byClass: new Map(r.bindings.byClass), lastObject: r.bindings.lastObject };
			return r.ok;
		});
		expect(ok).toEqual(script.map(() => true));
		expect(programText(lines[4] as NonNullable<(typeof lines)[4]>)).toBe("[PUTIN] <plate> (1) <microwave> (1)");
	});
});
