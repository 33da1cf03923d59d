/**
 * The compact ALFWorld prompt for small policies trained from scratch: instead of the raw transcript,
 * a memory rebuilt from what the agent has read so far (the intro's receptacle list and every
 * observation after it), in a few short lines:
 *
 * ```
 * task: put a hot apple in fridge.
 * hold: apple 1 (hot)            ← the inventory, with what the agent did to the object
 * at: microwave 1 (open)         ← where the agent stands; `(open)` / `(closed)` for openable ones
 * found: countertop 1: apple 2.  ← where objects of a type the task names were last seen
 * unseen: cabinet 1-3, drawer 1, 4, sinkbasin 1   ← receptacles whose inside is unknown, as runs
 * last: heat apple 1 with microwave 1 (ok)                     ← the last command and whether it worked
 * act:
 * ```
 *
 * Nothing the agent has not observed enters the prompt (objects of other types are left out of `found`): contents come from `On the X, you see …` /
 * `In it, you see …` texts, updated by the agent's own `take` and `move`; `(hot)`, `(cool)`, `(clean)`
 * from the feedback of `heat`, `cool`, `clean`. The memory reads the history window the spec gives
 * (`alfworld/compact-v0` keeps every step); with a shorter window it knows only that window.
 */
import type { StepPromptContext } from "@stepwise/core";
import { nothingHappens } from "./text.ts";

/** What the agent knows about one receptacle. */
interface Known {
	/** Contents, when the agent has seen inside (undefined: not yet). */
	contents: string[] | undefined;
	/** Open state of an openable receptacle, when known. */
	open: boolean | undefined;
}

const roomList = /you see (.*)\.$/m;
const arrive = /^You arrive at ([a-z]+ \d+)\. (.*)$/s;
const onIt = /On the ([a-z]+ \d+), you see (.*)\.$/s;
const inIt = /The ([a-z]+ \d+) is open\. In it, you see (.*)\.$/s;
const closed = /The ([a-z]+ \d+) is closed\.$/s;
const opened = /^You open the ([a-z]+ \d+)\./;
const closedNow = /^You close the ([a-z]+ \d+)\./;
const picked = /^You pick up the ([a-z]+ \d+) from the ([a-z]+ \d+)\./;
const moved = /^You (?:move|put) the ([a-z]+ \d+) (?:to|in\/on) the ([a-z]+ \d+)\./;
const processed = /^You (heat|cool|clean) the ([a-z]+ \d+) using the ([a-z]+ \d+)\./;

/** `a apple 1, a bread 2, and a knife 1` → `["apple 1", "bread 2", "knife 1"]`; `nothing` → `[]`. */
export const parseList = (text: string): string[] =>
	text === "nothing"
		? []
		: text
				.split(/, (?:and )?|^and /)
				.map((s) => s.replace(/^(?:and )?an? /, "").trim())
				.filter((s) => s.length > 0);

const byName = (a: string, b: string): number => {
	const [ta = "", na = "0"] = a.split(" ");
	const [tb = "", nb = "0"] = b.split(" ");
	return ta < tb ? -1 : ta > tb ? 1 : Number(na) - Number(nb);
};

/** The agent's memory after reading `observations` (the intro first) and taking `actions`. */
export class AlfworldMemory {
	readonly receptacles = new Map<string, Known>();
	at: string | undefined;
	holding: string | undefined;
	readonly done = new Set<string>();

	/** Read the intro's `you see …` list of receptacles. */
	intro(observation: string): void {
		const i = observation.indexOf("Looking quickly around you");
		const m = i < 0 ? null : roomList.exec(observation.slice(i).split("\n")[0] ?? "");
		if (m !== null)
			for (const name of parseList(m[1] as string))
				this.receptacles.set(name, { contents: undefined, open: undefined });
	}

	private known(name: string): Known {
		let k = this.receptacles.get(name);
		if (k === undefined) {
			k = { contents: undefined, open: undefined };
			this.receptacles.set(name, k);
		}
		return k;
	}

	/** Update the memory with the result of `action`. */
	step(action: string, observation: string): void {
		if (observation === nothingHappens) return;
		const a = arrive.exec(observation);
		if (a !== null) this.at = a[1] as string;
		let m = opened.exec(observation);
		if (m !== null) this.known(m[1] as string).open = true;
		m = closedNow.exec(observation);
		if (m !== null) this.known(m[1] as string).open = false;
		m = onIt.exec(observation);
		if (m !== null) this.known(m[1] as string).contents = parseList(m[2] as string);
		m = inIt.exec(observation);
		if (m !== null) {
			const k = this.known(m[1] as string);
			k.open = true;
			k.contents = parseList(m[2] as string);
		}
		m = closed.exec(observation);
		if (m !== null) this.known(m[1] as string).open = false;
		m = picked.exec(observation);
		if (m !== null) {
			this.holding = m[1] as string;
			const k = this.known(m[2] as string);
			k.contents = (k.contents ?? []).filter((o) => o !== m?.[1]);
		}
		m = moved.exec(observation);
		if (m !== null) {
			const k = this.known(m[2] as string);
			k.contents = [...(k.contents ?? []), m[1] as string].sort(byName);
			this.holding = undefined;
		}
		m = processed.exec(observation);
		if (m !== null) this.done.add(`${m[2]}:${m[1] === "heat" ? "hot" : m[1]}`);
		if (action.startsWith("go to ") && a === null && observation.startsWith("You are facing"))
			this.at = action.slice(6);
	}

	/**
	 * The memory lines of the prompt. `found` lists only receptacles holding objects whose type the
	 * task names (`relevant`); `unseen` groups instance numbers of a type into runs (`drawer 1-3, 5`).
	 */
	lines(relevant: (objectName: string) => boolean): string[] {
		const held = this.holding;
		const states = held === undefined ? [] : ["hot", "cool", "clean"].filter((s) => this.done.has(`${held}:${s}`));
		const hold = held === undefined ? "nothing" : states.length > 0 ? `${held} (${states.join(", ")})` : held;
		const here = this.at === undefined ? undefined : this.receptacles.get(this.at);
		const at =
			this.at === undefined
				? "middle of the room"
				: here?.open === undefined
					? this.at
					: `${this.at} (${here.open ? "open" : "closed"})`;
		const names = [...this.receptacles.keys()].sort(byName);
		const found: string[] = [];
		for (const n of names) {
			const c = (this.receptacles.get(n)?.contents ?? []).filter(relevant);
			if (c.length > 0) found.push(`${n}: ${c.join(", ")}.`);
		}
		const unseen = names.filter((n) => this.receptacles.get(n)?.contents === undefined);
		return [
			`hold: ${hold}`,
			`at: ${at}`,
			`found: ${found.length === 0 ? "none" : found.join(" ")}`,
			`unseen: ${unseen.length === 0 ? "none" : runs(unseen)}`,
		];
	}
}

/** `["drawer 1", "drawer 2", "drawer 3", "drawer 5", "sofa 1"]` → `drawer 1-3, 5, sofa 1` (sorted input). */
export const runs = (names: ReadonlyArray<string>): string => {
	const byType = new Map<string, number[]>();
	for (const name of names) {
		const cut = name.lastIndexOf(" ");
		const type = name.slice(0, cut);
		const list = byType.get(type) ?? [];
		list.push(Number(name.slice(cut + 1)));
		byType.set(type, list);
	}
	const parts: string[] = [];
	for (const [type, nums] of byType) {
		const spans: string[] = [];
		for (let i = 0; i < nums.length; ) {
			let j = i;
			while (j + 1 < nums.length && (nums[j + 1] as number) === (nums[j] as number) + 1) j++;
			spans.push(j > i ? `${nums[i]}-${nums[j]}` : `${nums[i]}`);
			i = j + 1;
		}
		parts.push(`${type} ${spans.join(", ")}`);
	}
	return parts.join(", ");
};

/** The compact prompt: the goal, the memory, the last command and whether it worked. */
export const compactMemoryPrompt = (ctx: StepPromptContext): string => {
	const memory = new AlfworldMemory();
	const { history } = ctx;
	const first = history.length > 0 ? (history[0] as { observation: string }).observation : ctx.observation;
	memory.intro(first);
	for (let i = 0; i < history.length; i++) {
		const result = i + 1 < history.length ? (history[i + 1] as { observation: string }).observation : ctx.observation;
		memory.step((history[i] as { action: string }).action, result);
	}
	const words = new Set(ctx.task.instruction.toLowerCase().split(/[^a-z]+/));
	const relevant = (name: string) => words.has(name.slice(0, name.lastIndexOf(" ")));
	const lines = [`task: ${ctx.task.instruction}`, ...memory.lines(relevant)];
	const last = history[history.length - 1];
	if (last !== undefined) lines.push(`last: ${last.action} (${ctx.observation === nothingHappens ? "failed" : "ok"})`);
	lines.push("act:");
	return lines.join("\n");
};
