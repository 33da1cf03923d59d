import { describe, expect, test } from "bun:test";
import { EpisodeMemory } from "@stepwise/core";
import { Effect } from "effect";
import { nameMatcher, nameTable, numberNames, resolveNames } from "../src/numbered.ts";
import { compactSpec, numberedSpec, searchPlugin, searchR1Spec } from "../src/plugin.ts";
import { cacheDir, makeEnv } from "./helpers.ts";

describe("numbered names", () => {
	const matcher = nameMatcher(["Wyxdiathova", "University of Wyxdiathova", "Tula Brenn", "Brenn"]);
	test("worked example: the longest name wins at a word start, never inside a word; a table numbers names by first appearance", () => {
		const text = "Tula Brenn studied at University of Wyxdiathova, near Wyxdiathova; Brenn's Brennard rival.";
		expect(matcher.find(text).map((m) => m.name)).toEqual([
			"Tula Brenn",
			"University of Wyxdiathova",
			"Wyxdiathova",
			"Brenn",
		]);
		const table = nameTable(matcher, ["Who taught Tula Brenn?", text]);
		expect(table).toEqual(["Tula Brenn", "University of Wyxdiathova", "Wyxdiathova", "Brenn"]);
		expect(numberNames(matcher, table, text)).toBe("#1 studied at #2, near #3; #4's Brennard rival.");
		expect(numberNames(matcher, table.slice(0, 1), text)).toBe(
			"#1 studied at University of Wyxdiathova, near Wyxdiathova; Brenn's Brennard rival.",
		);
	});
	test("#k resolves to its name; a number past the table makes the whole text unresolvable", () => {
		const table = ["Tula Brenn", "University of Wyxdiathova"];
		expect(resolveNames(table, "#1 studied")).toBe("Tula Brenn studied");
		expect(resolveNames(table, "#2")).toBe("University of Wyxdiathova");
		expect(resolveNames(table, "born 1871")).toBe("born 1871");
		expect(resolveNames(table, "#3")).toBeUndefined();
		expect(resolveNames(table, "#0 x")).toBeUndefined();
	});
});

describe("search/numbered-v0", () => {
	test("the expert writes names as #k and wins 100 of 100 test questions through the numbered prompt", () => {
		const env = makeEnv(numberedSpec);
		let won = 0;
		let numberedAnswers = 0;
		for (let index = 0; index < 100; index++) {
			const reset = env.reset({ seed: 0, split: "test", index });
			const memory = new EpisodeMemory(reset.task, reset.observation);
			for (let t = 0; t < numberedSpec.maxSteps; t++) {
				const answer = env.prompts.formatAction(env.expertAction() as string, "compact");
				const prompt = env.prompts.compact(memory.stepContext(numberedSpec.historyLength, undefined));
				if (t === 0) {
					expect(prompt).toMatch(/^Q: [^\n]*#1[^\n]*\n>$/);
					expect(answer).toMatch(/^search\[#1 /);
				}
				if (answer.startsWith("answer[#")) numberedAnswers++;
				const observation = memory.observation;
				const action = env.prompts.project(answer, "compact").action as string;
				const r = env.step(action);
				memory.record({ observation, action, response: answer, nextObservation: r.observation });
				if (r.terminated) {
					if (r.info.won) won++;
					break;
				}
			}
		}
		expect(won).toBe(100);
		expect(numberedAnswers).toBeGreaterThan(40);
	});
	test("a #k past the episode's table is an invalid action that changes nothing; the name written out acts as its number does", () => {
		const env = makeEnv(numberedSpec);
		env.reset({ seed: 0, split: "test", index: 1 });
		const key = env.stateKey();
		const bad = env.step("<search>#7 born</search>");
		expect(bad.info.valid).toBe(false);
		expect(env.stateKey()).toBe(key);
		const numbered = env.expertAction() as string;
		expect(numbered).toMatch(/^<search>#1 /);
		const text = makeEnv(compactSpec);
		text.reset({ seed: 0, split: "test", index: 1 });
		const spelt = text.expertAction() as string;
		expect(spelt).not.toContain("#");
		const other = makeEnv(numberedSpec);
		other.reset({ seed: 0, split: "test", index: 1 });
		const a = env.step(numbered);
		const b = other.step(spelt);
		expect(a.info.valid).toBe(true);
		expect(a.observation).toBe(b.observation);
		expect(env.stateKey()).toBe(other.stateKey());
	});
	test("names: numbered needs the compact prompt: on a chat spec it is an EnvConfigError naming the option", () => {
		const bad = Effect.runSync(Effect.flip(searchPlugin.make(searchR1Spec, { cacheDir, names: "numbered" })));
		expect(bad._tag).toBe("EnvConfigError");
		expect(bad.path).toBe("names");
	});
});
