/**
 * The ALFWorld `Env`: reset builds the generated game of `(seed, split, index)`; step matches the
 * trimmed command text exactly against the admissible list (anything else: `Nothing happens.`,
 * `valid = false`, no state change), applies it, and ends the episode with reward 1 when the goal
 * holds. The raw env never truncates: the framework's TimeLimit applies the spec's step limit.
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
} from "@stepwise/core";
import { type GeneratedTask, generateTask, type LocationRule, type Split, splits } from "./generator.ts";
import { goalSatisfied } from "./goals.ts";
import type { AlfworldOptions } from "./options.ts";
import { oraclePlan } from "./oracle.ts";
import { alfworldPrompts } from "./prompts.ts";
import { type Admissible, admissible, type Command, commandText, execute } from "./rules.ts";
import { SearchMemory, searcherAction } from "./searcher.ts";
import type { Scene } from "./state.ts";
import { WorldState } from "./state.ts";
import { introText, inventoryText, nothingHappens, type TextOptions } from "./text.ts";

const invalidResult: StepResult = {
	observation: nothingHappens,
	reward: 0,
	terminated: false,
	truncated: false,
	info: { won: false, valid: false, score: 0 },
};

/** An ALFWorld game being played; also used directly by transcript replay and the benchmarks. */
export class AlfworldGame {
	readonly state: WorldState;
	readonly memory: SearchMemory;
	/** The last observation of a valid step (the intro at first): the state key's text. */
	observation: string;
	won = false;
	private cache: Admissible | undefined;

	constructor(
		readonly scene: Scene,
		readonly text: TextOptions,
	) {
		this.state = new WorldState(scene);
		this.memory = new SearchMemory(this.state);
		this.observation = introText(scene, text.intro);
	}

	/** Admissible commands of the current state (cached until the next valid step). */
	admissible(): Admissible {
		if (this.cache === undefined) this.cache = admissible(this.state, this.text.grammar);
		return this.cache;
	}

	/** Play a command text; undefined when it is not admissible (nothing changes). */
	play(command: string): { observation: string; command: Command } | undefined {
		if (typeof command !== "string") return undefined;
		const c = this.admissible().byText.get(command.trim());
		if (c === undefined) return undefined;
		const observation = execute(this.state, c, this.text);
		this.cache = undefined;
		this.memory.observe(this.state, c);
		this.observation = observation;
		this.won = goalSatisfied(this.state);
		return { observation, command: c };
	}

	/** The oracle's next command text. */
	oracleAction(): string | undefined {
		const plan = oraclePlan(this.state);
		const first = plan?.[0];
		return first === undefined ? undefined : commandText(this.state, first, this.text.grammar);
	}

	/** The searcher's next command text (undefined when it has no admissible move). */
	searcherAction(): string | undefined {
		const c = searcherAction(this.state, this.memory);
		if (c === undefined) return undefined;
		const text = commandText(this.state, c, this.text.grammar);
		return this.admissible().byText.has(text) ? text : undefined;
	}
}

/** Recently generated tasks, so that group rollouts (N resets to one task) generate it once. */
const recent = new Map<string, GeneratedTask>();
const cachedTask = (seed: number, split: Split, index: number, locations: LocationRule): GeneratedTask => {
	const key = `${seed}/${split}/${index}/${locations}`;
	let task = recent.get(key);
	if (task === undefined) {
		task = generateTask(seed, split, index, { locations });
		if (recent.size >= 512) recent.delete(recent.keys().next().value as string);
		recent.set(key, task);
	}
	return task;
};

/** Make an ALFWorld env for a spec and decoded options. */
export const makeAlfworldEnv = (spec: EnvSpec, options: AlfworldOptions): Env => {
	const text: TextOptions = { grammar: options.grammar, intro: options.intro, arrive: options.arrive };
	let game: AlfworldGame | undefined;
	let done = false;
	return {
		spec,
		prompts: alfworldPrompts,
		reset(request: ResetRequest): ResetResult {
			if (!(splits as ReadonlyArray<string>).includes(request.split) || !spec.splits.includes(request.split))
				return unknownSplit(spec.id, request.split, spec.splits);
			const task = cachedTask(request.seed, request.split as Split, request.index, options.locations);
			game = new AlfworldGame(task.scene, text);
			done = false;
			return {
				observation: game.observation,
				task: {
					id: `${request.split}/${request.seed}/${request.index}`,
					type: task.scene.goal.type,
					instruction: `${task.scene.goal.text}.`,
				},
				info: {
					extra: {
						game: task.name,
						room: task.scene.room,
						layout: task.scene.layout,
						oracleSteps: task.oracleSteps,
					},
				},
			};
		},
		step(action: string): StepResult {
			if (game === undefined) return notReset(spec.id);
			if (done) return episodeEnded(spec.id);
			const r = game.play(action);
			if (r === undefined) return invalidResult;
			done = game.won;
			return {
				observation: r.observation,
				reward: game.won ? 1 : 0,
				terminated: game.won,
				truncated: false,
				info: { won: game.won, valid: true, score: game.won ? 1 : 0 },
			};
		},
		admissibleActions: () => game?.admissible().list,
		stateKey: () => {
			if (game === undefined) return "";
			return options.stateKey === "observation"
				? game.observation
				: `${game.observation}\n${inventoryText(game.state)}`;
		},
		expertAction: () => {
			if (game === undefined || done) return undefined;
			if (options.expert === "searcher") return game.searcherAction() ?? game.oracleAction();
			return game.oracleAction();
		},
	};
};
