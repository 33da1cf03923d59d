import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { replayTranscript } from "../src/replay.ts";

const transcripts = JSON.parse(
	readFileSync(join(import.meta.dir, "../data/react_alfworld_3prompts.json"), "utf8"),
) as Record<string, string>;

/** Steps of ReAct's hand-edited prompts that are not engine output, by transcript and step index. */
const handEdits: Record<string, Record<number, string>> = {
	act_put_0: { 0: "the list lacks its final ', and' (hand-edited)" },
	react_put_0: { 0: "the list lacks its final ', and' (hand-edited)" },
	act_heat_0: { 0: "opens fridge 1 from the middle of the room without going to it: the engine says Nothing happens." },
	react_heat_0: {
		0: "opens fridge 1 from the middle of the room without going to it: the engine says Nothing happens.",
	},
	react_cool_0: {
		3: "a think line was inserted between 'take pan 1 from stoveburner 3' and its observation, so the action has none",
	},
};

/** First-observation lines that are neither the room line nor the task line. */
const extraIntro: Record<string, string[]> = { act_examine_0: ["OK."] };

describe("transcript replay over ReAct's 24 ALFWorld prompts", () => {
	test("the data holds the 24 act_* and react_* transcripts", () => {
		expect(Object.keys(transcripts).length).toBe(24);
	});

	for (const [name, text] of Object.entries(transcripts)) {
		test(`${name}: every observation byte-identical except the listed hand-edits; the goal is reached`, () => {
			const r = replayTranscript(text);
			expect(r.intro.actual).toBe(r.intro.expected);
			expect(r.extraIntroLines).toEqual(extraIntro[name] ?? []);
			const edits = handEdits[name] ?? {};
			for (const s of r.steps) {
				if (s.index in edits) expect(s.actual).not.toBe(s.expected);
				else
					expect({ step: s.index, action: s.action, observation: s.actual }).toEqual({
						step: s.index,
						action: s.action,
						observation: s.expected,
					});
			}
			expect(r.mismatches).toEqual(Object.keys(edits).map(Number));
			expect(r.won).toBe(true);
		});
	}

	test("the hand-edited fridge step is answered as the engine would", () => {
		const r = replayTranscript(transcripts.act_heat_0 as string);
		expect(r.steps[0]?.actual).toBe("Nothing happens.");
	});
});

/** ReAct's third put-two prompt, played in a real FloorPlan5 game where cabinet 1 and cabinet 2 share a location. */
const colocated = JSON.parse(
	readFileSync(join(import.meta.dir, "../data/react_alfworld_colocated.json"), "utf8"),
) as Record<string, string>;

describe("receptacles sharing a location (ReAct's react_puttwo_2 / act_puttwo_2)", () => {
	for (const name of ["react_puttwo_2", "act_puttwo_2"]) {
		test(`${name}: byte-identical, including 'go to cabinet 2' → 'Nothing happens.' and the two-receptacle look`, () => {
			const r = replayTranscript(colocated[name] as string);
			expect(r.intro.actual).toBe(r.intro.expected);
			expect(r.mismatches).toEqual([]);
			expect(r.won).toBe(true);
			const goto2 = r.steps.find((s) => s.action === "go to cabinet 2");
			expect(goto2?.actual).toBe("Nothing happens.");
			const look = r.steps.find((s) => s.action === "look");
			expect(look?.actual).toBe("You are facing the cabinet 2, and cabinet 1. Next to it, you see nothing.");
			const c1 = r.scene.receptacles.find((x) => x.name === "cabinet 1");
			const c2 = r.scene.receptacles.find((x) => x.name === "cabinet 2");
			expect(c1?.loc).toBe(c2?.loc);
		});
	}
});
