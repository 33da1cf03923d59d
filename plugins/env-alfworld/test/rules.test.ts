import { describe, expect, test } from "bun:test";
import { EnvUsageError, Rng } from "@stepwise/core";
import { Effect } from "effect";
import { canContain } from "../src/data.ts";
import { AlfworldGame } from "../src/env.ts";
import { generateTask, type LocationRule, type Split, splits } from "../src/generator.ts";
import { alfworldPlugin, currentSpec, legacySpec } from "../src/plugin.ts";
import type { WorldState } from "../src/state.ts";

/**
 * The PDDL preconditions of `alfred.pddl`, transcribed literally and independently of `rules.ts`:
 * the set of every command text whose action is applicable in the state.
 */
const pddlApplicable = (s: WorldState, grammar: "legacy" | "current"): Set<string> => {
	const { receptacles: R, objects: O } = s.scene;
	const out = new Set<string>(["inventory", "look"]);
	if (grammar === "current") out.add("help");
	// atLocation ?a ?l & receptacleAtLocation ?r ?l: the receptacle stands where the agent does.
	const agentLoc = s.agentAt >= 0 ? R[s.agentAt]?.loc : undefined;
	const at = (r: number) => agentLoc !== undefined && R[r]?.loc === agentLoc;
	const openOrNot = (r: number) => !R[r]?.openable || s.opened[r] === 1;
	const holdsAny = s.holding >= 0;
	R.forEach((r, ri) => {
		// GotoLocation: any receptacle's location; under ALFWorld's rule (TextWorld's planner drops
		// operators that change nothing) not the agent's own location.
		if (!(s.scene.sharedLocations === true && at(ri))) out.add(`go to ${r.name}`);
		if (at(ri)) out.add(`examine ${r.name}`);
		if (r.openable && at(ri) && s.opened[ri] !== 1) out.add(`open ${r.name}`);
		if (r.openable && at(ri) && s.opened[ri] === 1) out.add(`close ${r.name}`);
		O.forEach((o, oi) => {
			const inR = s.objectIn[oi] === ri;
			const holds = s.holding === oi;
			if (o.pickupable && at(ri) && inR && !holdsAny && openOrNot(ri)) out.add(`take ${o.name} from ${r.name}`);
			if (holds && at(ri) && openOrNot(ri) && canContain(r.type, o.type))
				out.add(grammar === "legacy" ? `put ${o.name} in/on ${r.name}` : `move ${o.name} to ${r.name}`);
			if (o.heatable && r.type === "microwave" && at(ri) && holds) out.add(`heat ${o.name} with ${r.name}`);
			if (o.coolable && r.type === "fridge" && at(ri) && holds) out.add(`cool ${o.name} with ${r.name}`);
			if (o.cleanable && r.type === "sinkbasin" && at(ri) && holds) out.add(`clean ${o.name} with ${r.name}`);
			if (o.toggleable && at(ri) && inR) out.add(`use ${o.name}`);
			if ((at(ri) && inR && openOrNot(ri)) || holds) out.add(`examine ${o.name}`);
		});
	});
	// SliceObject: sliceable ?co at the agent's location (in a receptacle there), holding a knife.
	O.forEach((co, ci) => {
		const h = s.holding;
		const ko = h >= 0 ? O[h] : undefined;
		const here = (s.objectIn[ci] as number) >= 0 && at(s.objectIn[ci] as number);
		if (co.sliceable && here && ko !== undefined && (ko.type === "knife" || ko.type === "butterknife"))
			out.add(`slice ${co.name} with ${ko.name}`);
	});
	return out;
};

const walk = (
	split: Split,
	index: number,
	grammar: "legacy" | "current",
	steps: number,
	f: (g: AlfworldGame) => void,
	locations: LocationRule = "distinct",
) => {
	const task = generateTask(0, split, index, { locations });
	const game = new AlfworldGame(task.scene, { grammar, intro: "banner", arrive: "raw" });
	const rng = new Rng(index * 7 + (grammar === "legacy" ? 1 : 2));
	for (let t = 0; t < steps && !game.won; t++) {
		f(game);
		const list = game.admissible().list;
		// Mostly the expert (to reach deep states), sometimes a random admissible command.
		const a = rng.chance(0.5) ? (game.oracleAction() ?? rng.pick(list)) : rng.pick(list);
		expect(game.play(a)).toBeDefined();
	}
};

describe("admissible commands", () => {
	test("are exactly the commands whose PDDL preconditions hold, sorted and unique (random walks, both grammars)", () => {
		let states = 0;
		for (const grammar of ["legacy", "current"] as const)
			for (let i = 0; i < 40; i++)
				walk(splits[i % 3] ?? "train", i, grammar, 40, (g) => {
					const list = g.admissible().list;
					expect([...list].sort()).toEqual([...list]);
					expect(new Set(list).size).toBe(list.length);
					expect(new Set(list)).toEqual(pddlApplicable(g.state, grammar));
					states++;
				});
		expect(states).toBeGreaterThan(1000);
	});

	test("with ALFWorld's shared locations (-v1): the same transcription, where co-located receptacles count as here", () => {
		let states = 0;
		let shared = 0;
		for (const grammar of ["legacy", "current"] as const)
			for (let i = 0; i < 40; i++)
				walk(
					splits[i % 3] ?? "train",
					i,
					grammar,
					40,
					(g) => {
						const list = g.admissible().list;
						expect([...list].sort()).toEqual([...list]);
						expect(new Set(list).size).toBe(list.length);
						expect(new Set(list)).toEqual(pddlApplicable(g.state, grammar));
						states++;
						if (g.state.here().length > 1) shared++;
					},
					"shared",
				);
		expect(states).toBeGreaterThan(1000);
		expect(shared).toBeGreaterThan(0);
	});

	test("commands have their PDDL effects", () => {
		walk("train", 3, "current", 40, (g) => {
			const s = g.state;
			for (const a of g.admissible().list) {
				const c = g.admissible().byText.get(a);
				if (c === undefined || c.kind !== "take") continue;
				const copy = new AlfworldGame(g.scene, g.text);
				copy.state.agentAt = s.agentAt;
				copy.state.opened.set(s.opened);
				copy.state.objectIn.set(s.objectIn);
				copy.play(a);
				expect(copy.state.holding).toBe(c.o);
				expect(copy.state.objectIn[c.o]).toBe(-1);
				const put = copy.admissible().list.find((x) => x.startsWith(`move ${g.scene.objects[c.o]?.name} to `));
				if (put !== undefined) {
					copy.play(put);
					expect(copy.state.holding).toBe(-1);
					expect(copy.state.objectIn[c.o]).toBe(c.r);
				}
			}
		});
	});

	test("heat/cool exclude each other; use always says 'turn on' and flips isOn", () => {
		const task = generateTask(0, "train", 0);
		const game = new AlfworldGame(task.scene, { grammar: "current", intro: "banner", arrive: "raw" });
		const s = game.state;
		// Heat then cool one object through the rules.
		const o = task.scene.objects.findIndex((x) => x.coolable && x.heatable);
		const fridge = task.scene.receptacles.findIndex((r) => r.type === "fridge");
		const micro = task.scene.receptacles.findIndex((r) => r.type === "microwave");
		expect(Math.min(o, fridge, micro)).toBeGreaterThanOrEqual(0);
		s.holding = o;
		s.objectIn[o] = -1;
		s.agentAt = micro;
		game.play(`go to ${task.scene.receptacles[micro]?.name}`);
		game.play(`heat ${task.scene.objects[o]?.name} with ${task.scene.receptacles[micro]?.name}`);
		expect([s.hot[o], s.cool[o]]).toEqual([1, 0]);
		game.play(`go to ${task.scene.receptacles[fridge]?.name}`);
		expect(
			game.play(`cool ${task.scene.objects[o]?.name} with ${task.scene.receptacles[fridge]?.name}`)?.observation,
		).toBe(`You cool the ${task.scene.objects[o]?.name} using the ${task.scene.receptacles[fridge]?.name}.`);
		expect([s.hot[o], s.cool[o]]).toEqual([0, 1]);
		for (let i = 0; i < 60; i++) {
			const t = generateTask(0, "train", i);
			if (t.scene.goal.type !== "look_at_obj_in_light") continue;
			const g = new AlfworldGame(t.scene, { grammar: "legacy", intro: "sft", arrive: "stripped" });
			const lamp = t.scene.objects.findIndex((x) => x.type === t.scene.goal.toggle);
			const host = t.scene.objectIn[lamp] as number;
			g.play(`go to ${t.scene.receptacles[host]?.name}`);
			const name = t.scene.objects[lamp]?.name;
			expect(g.play(`use ${name}`)?.observation).toBe(`You turn on the ${name}.`);
			expect(g.state.on[lamp]).toBe(1);
			expect(g.play(`use ${name}`)?.observation).toBe(`You turn on the ${name}.`);
			expect(g.state.on[lamp]).toBe(0);
			expect(g.play(`examine ${name}`)?.observation).toBe(`This ${name} is on.`);
			return;
		}
		throw new Error("no look task in the first 60 train tasks");
	});
});

describe("the env", () => {
	const make = (spec = currentSpec) => Effect.runSync(alfworldPlugin.make(spec));

	test("inadmissible and garbage commands: `Nothing happens.`, valid=false, state unchanged", () => {
		const env = make(legacySpec);
		env.reset({ seed: 1, split: "train", index: 5 });
		const rng = new Rng(5);
		for (let i = 0; i < 300; i++) {
			const key = env.stateKey();
			const adm = env.admissibleActions();
			const base = rng.pick(adm ?? ["look"]);
			const bad = [
				base.toUpperCase(),
				`${base}x`,
				base.replace(" ", "  "),
				`go to ${base}`,
				"put",
				"move apple 1 to",
				"🙂",
			][i % 7] as string;
			if ((adm ?? []).includes(bad)) continue;
			const r = env.step(bad);
			expect(r.observation).toBe("Nothing happens.");
			expect(r.info.valid).toBe(false);
			expect(r.reward).toBe(0);
			expect(env.stateKey()).toBe(key);
			expect(env.admissibleActions()).toEqual(adm);
			if (rng.chance(0.3)) {
				const ok = env.step(env.expertAction() ?? "look");
				if (ok.terminated) env.reset({ seed: 1, split: "train", index: i });
			}
		}
	});

	test("commands are matched after trimming surrounding whitespace, and only exactly", () => {
		const env = make();
		env.reset({ seed: 0, split: "train", index: 0 });
		expect(env.step("  look \n").info.valid).toBe(true);
		expect(env.step("Look").info.valid).toBe(false);
		expect(env.step("help").observation.startsWith("\nAvailable commands:")).toBe(true);
		const legacy = make(legacySpec);
		legacy.reset({ seed: 0, split: "train", index: 0 });
		expect(legacy.step("help").observation).toBe("Nothing happens.");
	});

	test("reaching the goal: reward 1, won, terminated; stepping again throws EnvUsageError", () => {
		const env = make(legacySpec);
		env.reset({ seed: 0, split: "valid_seen", index: 3 });
		let last = env.step(env.expertAction() ?? "");
		for (let t = 0; t < 40 && !last.terminated; t++) last = env.step(env.expertAction() ?? "");
		expect(last).toMatchObject({
			reward: 1,
			terminated: true,
			truncated: false,
			info: { won: true, valid: true, score: 1 },
		});
		expect(env.expertAction()).toBeUndefined();
		expect(() => env.step("look")).toThrow(EnvUsageError);
	});

	test("stateKey: observation plus inventory (RewardFlow), or the bare observation (GiGPO)", () => {
		const env = make(legacySpec);
		const bare = Effect.runSync(alfworldPlugin.make(legacySpec, { stateKey: "observation" }));
		const r = env.reset({ seed: 0, split: "train", index: 2 });
		bare.reset({ seed: 0, split: "train", index: 2 });
		expect(env.stateKey()).toBe(`${r.observation}\nYou are not carrying anything.`);
		expect(bare.stateKey()).toBe(r.observation);
		for (let t = 0; t < 6; t++) {
			const a = env.expertAction() ?? "look";
			const s = env.step(a);
			bare.step(a);
			if (s.terminated) break;
			expect(bare.stateKey()).toBe(s.observation);
			expect(env.stateKey().startsWith(`${s.observation}\n`)).toBe(true);
		}
	});
});
