/**
 * The VirtualHome `Env`: SPA-RL's text-and-program VirtualHome on procedurally generated apartments.
 * `step` takes a natural-language action line (`Walk to kitchen`), answers the observation of
 * docs/environments/virtualhome.md or `Nothing happens.`, and terminates with reward 1 once the goal graph holds.
 */
import {
	type Env,
	type EnvSpec,
	episodeEnded,
	notReset,
	type ResetRequest,
	type ResetResult,
	type StepResult,
	unknownSplit,
} from "@stepwise/core/env/index";
import { act } from "./act.ts";
import type { GenerateOptions, VhTask } from "./generate.ts";
import { goalProgress, goalReached } from "./goal.ts";
import type { Bindings } from "./grounding.ts";
import { buildObservation, NOTHING_HAPPENS } from "./observation.ts";
import type { ProgramLine } from "./parse.ts";
import { naturalName } from "./plan.ts";
import { taskMessage, virtualHomePrompts } from "./prompts.ts";
import { cloneState, type SimState } from "./state.ts";
import { stateKeyOf } from "./state-key.ts";
import { cachedTaskGenerator } from "./task-cache.ts";

/** One running episode. */
interface Episode {
	readonly task: VhTask;
	state: SimState;
	bindings: Bindings;
	ended: boolean;
	/** Bumped on every successful action (invalidates cached queries). */
	version: number;
	/** The expert's place in the gold program: gold lines taken so far, in order. */
	next: number;
}

/** The gold program from line `i` completes the task from the current state (the goal holds after some line). */
const suffixWorks = (ep: Episode, i: number): boolean => {
	const { task } = ep;
	const state = cloneState(ep.state);
	let bindings = ep.bindings;
	for (let j = i; j < task.gold.length; j++) {
		const r = act(state, bindings, task.gold[j] as string, task.seed);
		if (!r.ok) return false;
		if (goalReached(state.graph, task.goal)) return true;
		bindings = r.bindings;
	}
	return false;
};

/**
 * The expert: the gold program, line by line. After off-plan actions it continues from the first
 * gold line at or after its place from which the rest of the program still completes the task
 * (else from the latest earlier line that does).
 */
const expertFor = (ep: Episode): string | undefined => {
	const { task } = ep;
	for (let i = ep.next; i < task.gold.length; i++) if (suffixWorks(ep, i)) return task.gold[i];
	for (let i = Math.min(ep.next, task.gold.length) - 1; i >= 0; i--) if (suffixWorks(ep, i)) return task.gold[i];
	// No suffix completes the task from here (the agent moved something off-plan): try one recovery
	// action (stand up, put back or drop a held object) after which some suffix does.
	for (const recovery of recoveries(ep)) {
		const state = cloneState(ep.state);
		const r = act(state, ep.bindings, recovery, task.seed);
		if (!r.ok) continue;
		const after: Episode = { ...ep, state, bindings: r.bindings };
		for (let i = 0; i < task.gold.length; i++) if (suffixWorks(after, i)) return recovery;
	}
	return task.gold[0];
};

/** One-step recoveries: stand up, put back or drop each held object. */
const recoveries = (ep: Episode): string[] => {
	const g = ep.state.graph;
	const out: string[] = [];
	const states = g.node(ep.state.char).states;
	if (states.has("SITTING") || states.has("LYING")) out.push("Stand up");
	for (const hand of ["HOLDS_RH", "HOLDS_LH"] as const)
		for (const id of g.from(ep.state.char, hand)) {
			const name = naturalName(g.node(id).className);
			out.push(`Put back ${name}`, `Drop ${name}`);
		}
	return out;
};

/** The executed line is the gold line (same action and class names). */
const sameLine = (a: ProgramLine, b: ProgramLine): boolean =>
	a.action === b.action && a.args.length === b.args.length && a.args.every((x, i) => x === b.args[i]);

/** Make a VirtualHome env for a spec (options already decoded). */
export const makeVirtualHomeEnv = (spec: EnvSpec, options: GenerateOptions): Env => {
	const taskFor = cachedTaskGenerator(options);
	let ep: Episode | undefined;
	let cache: { version: number; key?: string; expert?: string | undefined; hasExpert?: boolean } = { version: -1 };
	const cached = () => {
		if (ep === undefined) return undefined;
		if (cache.version !== ep.version) cache = { version: ep.version };
		return cache;
	};
	return {
		spec,
		prompts: virtualHomePrompts,
		reset(request: ResetRequest): ResetResult {
			if (!spec.splits.includes(request.split)) unknownSplit(spec.id, request.split, spec.splits);
			const task = taskFor(request.seed, request.split, request.index);
			ep = {
				task,
				state: cloneState(task.initial),
				bindings: { byClass: task.objects, lastObject: -1 },
				ended: false,
				version: 0,
				next: 0,
			};
			cache = { version: -1 };
			return {
				observation: buildObservation(ep.state),
				task: { id: task.id, type: task.template, instruction: taskMessage(task.title, task.description) },
				info: {
					extra: { title: task.title, description: task.description, family: task.family, gold: [...task.gold] },
				},
			};
		},
		step(action: string): StepResult {
			if (ep === undefined) return notReset(spec.id);
			if (ep.ended) return episodeEnded(spec.id);
			const r = act(ep.state, ep.bindings, action, ep.task.seed);
			if (r.ok) {
				ep.bindings = r.bindings;
				ep.version++;
				const line = r.line;
				if (line !== undefined) {
					const i = ep.task.goldLines.findIndex((g, j) => j >= (ep as Episode).next && sameLine(line, g));
					if (i >= 0) ep.next = i + 1;
				}
			}
			const won = goalReached(ep.state.graph, ep.task.goal);
			if (won) ep.ended = true;
			return {
				observation: r.ok ? buildObservation(ep.state) : NOTHING_HAPPENS,
				reward: won ? 1 : 0,
				terminated: won,
				truncated: false,
				info: {
					won,
					valid: r.ok,
					score: won ? 1 : 0,
					extra: { program: r.program, progress: goalProgress(ep.state.graph, ep.task.goal) },
				},
			};
		},
		admissibleActions: () => undefined,
		stateKey(): string {
			const c = cached();
			if (ep === undefined || c === undefined) return "";
			if (c.key === undefined) c.key = stateKeyOf(ep.task.initial, ep.state);
			return c.key;
		},
		expertAction(): string | undefined {
			const c = cached();
			if (ep === undefined || c === undefined || ep.ended) return undefined;
			if (c.hasExpert !== true) {
				c.expert = expertFor(ep);
				c.hasExpert = true;
			}
			return c.expert;
		},
	};
};
