/**
 * Task generation: a pure function of (seed, split, index). An apartment of the split's layout
 * families is built, a template writes its gold program, the program is executed through the same
 * parse → ground → execute path the agent uses, and the goal is the graph difference it made.
 */
import { hashSeed, Rng } from "@stepwise/core/util/rng";
import { act } from "./act.ts";
import { buildApartment, TEST_FAMILIES, TRAIN_FAMILIES } from "./apartment.ts";
import { diffGoal, type Goal, goalReached, goalSize } from "./goal.ts";
import type { Bindings } from "./grounding.ts";
import { type ProgramLine, parseActionLine } from "./parse.ts";
import { NotApplicable, PlanBuilder } from "./plan.ts";
import { cloneState, type SimState } from "./state.ts";
import type { TaskTemplate } from "./tasks.ts";

/** A generated task (SPA's task record: title, description, goal graph, `object_id_dict`). */
export interface VhTask {
	readonly id: string;
	readonly split: string;
	readonly template: string;
	/** ActivityPrograms-style title (`Drink`). */
	readonly title: string;
	/** One sentence (`Drink water`). */
	readonly description: string;
	readonly family: number;
	/** Seed of the episode's seeded instance picks. */
	readonly seed: number;
	/** The initial state (never mutated; episodes clone it). */
	readonly initial: SimState;
	/** Pre-bound instances (`object_id_dict`): class name → node id. */
	readonly objects: ReadonlyMap<string, number>;
	/** The gold program as natural action lines. */
	readonly gold: ReadonlyArray<string>;
	/** The gold program parsed (same order as `gold`). */
	readonly goldLines: ReadonlyArray<ProgramLine>;
	readonly goal: Goal;
}

/** Generation options. */
export interface GenerateOptions {
	/** Distractor props scattered per apartment. */
	readonly distractors: number;
	/** Templates to draw from (default: all). */
	readonly templates: ReadonlyArray<TaskTemplate>;
}

/** Layout families of a split (`train`: 0–5; anything else: the unseen families 6–7). */
export const familiesOf = (split: string): ReadonlyArray<number> =>
	split === "train" ? TRAIN_FAMILIES : TEST_FAMILIES;

/** Why a gold program was rejected. */
class GoldFailed extends Error {}

/** Run a gold program on a copy of `initial`; the final state, or GoldFailed. */
export const runGold = (
	initial: SimState,
	objects: ReadonlyMap<string, number>,
	gold: ReadonlyArray<string>,
	seed: number,
): SimState => {
	const state = cloneState(initial);
	let bindings: Bindings = { byClass: objects, lastObject: -1 };
	for (const line of gold) {
		const r = act(state, bindings, line, seed);
		if (!r.ok) throw new GoldFailed(`gold line "${line}" failed: ${r.program}`);
		bindings = r.bindings;
	}
	return state;
};

/**
 * Generate the task of (seed, split, index). Attempts whose template does not fit the apartment, or
 * whose program fails or changes nothing, are redrawn (deterministically).
 */
export const generateTask = (seed: number, split: string, index: number, options: GenerateOptions): VhTask => {
	const rng = new Rng(hashSeed(seed, "virtualhome", split, index));
	const families = familiesOf(split);
	const episodeSeed = hashSeed(seed, "episode", split, index);
	for (let attempt = 0; attempt < 200; attempt++) {
		const family = rng.pick(families);
		const template = rng.pick(options.templates);
		const b = buildApartment(family, rng.fork(`apartment${attempt}`), options.distractors);
		const plan = new PlanBuilder(b);
		let description: string;
		try {
			description = template.make(plan, rng.fork(`template${attempt}`));
		} catch (error) {
			if (error instanceof NotApplicable) continue;
			throw error;
		}
		const initial: SimState = { graph: b.graph, char: b.characterId, grabbed: new Map() };
		let final: SimState;
		try {
			final = runGold(initial, plan.bind, plan.lines, episodeSeed);
		} catch (error) {
			if (error instanceof GoldFailed) continue;
			throw error;
		}
		const goal = diffGoal(initial.graph, final.graph);
		if (goalSize(goal) === 0 || goalReached(initial.graph, goal) || !goalReached(final.graph, goal)) continue;
		return {
			id: `${split}/${seed}/${index}`,
			split,
			template: template.id,
			title: template.title,
			description,
			family,
			seed: episodeSeed,
			initial,
			objects: plan.bind,
			gold: plan.lines,
			goldLines: plan.lines.map((l) => {
				const p = parseActionLine(l);
				if (!p.ok) throw new Error(`gold line "${l}" does not parse`);
				return p.line;
			}),
			goal,
		};
	}
	throw new Error(`virtualhome: no task could be generated for (${seed}, ${split}, ${index})`);
};
