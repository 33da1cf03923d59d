/**
 * Transcript replay: rebuild the scene a legacy-format ALFWorld transcript implies (receptacles and
 * goal from its first observation, each receptacle's openability and initial contents from the
 * observations that reveal them) and replay its actions in our engine, reporting step by step
 * whether our observation is byte-identical to the transcript's.
 *
 * Transcript format (ReAct's prompts): the first observation (`You are in the middle of a room. …`
 * and `Your task is to: ….`), then `> {action}` lines, each followed by its observation line(s);
 * `> think: …` lines (answered `OK.`) are skipped. Transcripts are real engine output, so the scene
 * follows ALFWorld's location rule: receptacles a `look` shows together share a location, and `go
 * to` one at the agent's location answers `Nothing happens.`.
 */
import { AlfworldGame } from "./env.ts";
import { parseGoal } from "./goals.ts";
import { makeObject, type Receptacle, type Scene, type SceneObject } from "./state.ts";
import { compareEntities, type IntroStyle, nothingHappens } from "./text.ts";

/** One replayed step. */
export interface ReplayStep {
	/** 0-based index among the transcript's non-`think` actions. */
	readonly index: number;
	readonly action: string;
	readonly expected: string;
	readonly actual: string;
	readonly identical: boolean;
}

/** The outcome of a replay. */
export interface ReplayResult {
	/** The scene built from the transcript. */
	readonly scene: Scene;
	/** Our first observation and whether it equals the transcript's. */
	readonly intro: { readonly expected: string; readonly actual: string; readonly identical: boolean };
	readonly steps: ReadonlyArray<ReplayStep>;
	/** Indices of the steps whose observation differs. */
	readonly mismatches: ReadonlyArray<number>;
	/** The goal held after the last action. */
	readonly won: boolean;
	/** Lines of the first observation that are neither the room line nor the task line. */
	readonly extraIntroLines: ReadonlyArray<string>;
}

/** Replay options. */
export interface ReplayOptions {
	/** How the transcript shows its first observation (ReAct's prompts: `eval`, one newline). */
	readonly intro?: IntroStyle;
}

interface Parsed {
	readonly introLines: ReadonlyArray<string>;
	readonly steps: ReadonlyArray<{ readonly action: string; readonly observation: string }>;
}

/** Split a transcript into its first observation and (action, observation) pairs, `think` steps dropped. */
export const parseTranscript = (text: string): Parsed => {
	const introLines: string[] = [];
	const steps: Array<{ action: string; observation: string[] }> = [];
	for (const raw of text.split("\n")) {
		const line = raw.trimEnd();
		if (line.startsWith(">")) {
			steps.push({ action: line.slice(1).trim(), observation: [] });
			continue;
		}
		if (line.trim() === "") continue;
		const last = steps[steps.length - 1];
		if (last === undefined) introLines.push(line);
		else last.observation.push(line);
	}
	return {
		introLines,
		steps: steps
			.filter((s) => !s.action.startsWith("think:"))
			.map((s) => ({ action: s.action, observation: s.observation.join("\n") })),
	};
};

/** `a x 1, a y 2, and a z 3` → names (`nothing` → none). */
const parseList = (list: string): string[] =>
	list === "nothing"
		? []
		: list
				.split(", ")
				.map((item) => item.replace(/^and /, "").replace(/^a /, "").trim())
				.filter((s) => s !== "");

const splitName = (name: string): { type: string; num: number } => {
	const i = name.lastIndexOf(" ");
	return { type: name.slice(0, i), num: Number(name.slice(i + 1)) };
};

/** What the transcript reveals about each receptacle at its first sighting. */
interface Sighting {
	openable: boolean;
	openAtStart: boolean;
	contents: string[] | undefined;
}

/** Infer the scene implied by a transcript. */
export const sceneFromTranscript = (parsed: Parsed): { scene: Scene; extraIntroLines: string[] } => {
	const roomLine = parsed.introLines.find((l) => l.startsWith("You are in the middle of a room."));
	const taskLine = parsed.introLines.find((l) => l.startsWith("Your task is to: "));
	if (roomLine === undefined || taskLine === undefined) throw new Error("transcript has no room or task line");
	const extraIntroLines = parsed.introLines.filter((l) => l !== roomLine && l !== taskLine);
	const listText = roomLine.replace(/^You are in the middle of a room\. Looking quickly around you, you see /, "");
	const recNames = parseList(listText.replace(/\.$/, ""));
	const goal = parseGoal(taskLine.slice("Your task is to: ".length));
	if (goal === undefined) throw new Error(`unknown goal: ${taskLine}`);

	const sightings = new Map<string, Sighting>();
	/** Receptacles a `look` showed together (`You are facing the cabinet 2, and cabinet 1.`). */
	const together: string[][] = [];
	const putBefore = new Map<string, Set<string>>();
	const opened = new Set<string>();
	const see = (r: string, openable: boolean, contents: string[] | undefined, openAtStart = false) => {
		const s = sightings.get(r);
		if (s === undefined) {
			const initial = contents?.filter((o) => !(putBefore.get(r)?.has(o) ?? false));
			sightings.set(r, { openable, openAtStart, contents: initial });
		} else if (s.contents === undefined && contents !== undefined) {
			s.contents = contents.filter((o) => !(putBefore.get(r)?.has(o) ?? false));
		}
	};
	for (const { action, observation } of parsed.steps) {
		const put = /^put (.+) in\/on (.+)$/.exec(action);
		if (put !== null) {
			const set = putBefore.get(put[2] as string) ?? new Set<string>();
			set.add(put[1] as string);
			putBefore.set(put[2] as string, set);
		}
		const facing = /^You are facing the (.+?)\. Next to it, you see .+\.$/.exec(observation);
		if (facing !== null) together.push(parseList(facing[1] as string));
		const onIt = /^On the (.+?), you see (.+)\.$/.exec(observation);
		const closed = /^The (.+?) is closed\.$/.exec(observation);
		const openNow = /^You open the (.+?)\. The .+? is open\. In it, you see (.+)\.$/.exec(observation);
		const isOpen = /^The (.+?) is open\. In it, you see (.+)\.$/.exec(observation);
		if (onIt !== null) see(onIt[1] as string, false, parseList(onIt[2] as string));
		else if (closed !== null) see(closed[1] as string, true, undefined);
		else if (openNow !== null) {
			see(openNow[1] as string, true, parseList(openNow[2] as string));
			opened.add(openNow[1] as string);
		} else if (isOpen !== null)
			see(isOpen[1] as string, true, parseList(isOpen[2] as string), !opened.has(isOpen[1] as string));
	}

	const loc = new Map(recNames.map((name, i) => [name, i + 1] as const));
	for (const group of together) {
		const shared = Math.min(...group.map((name) => loc.get(name) ?? Number.POSITIVE_INFINITY));
		for (const name of group) if (loc.has(name)) loc.set(name, shared);
	}
	const receptacles: Receptacle[] = recNames.map((name) => {
		const { type, num } = splitName(name);
		const s = sightings.get(name);
		const openable = s?.openable ?? ["fridge", "microwave", "cabinet", "drawer", "safe"].includes(type);
		return { name, type, num, openable, loc: loc.get(name) as number };
	});
	const objects: SceneObject[] = [];
	const objectIn: number[] = [];
	const known = new Set<string>();
	receptacles.forEach((r, ri) => {
		for (const name of sightings.get(r.name)?.contents ?? []) {
			if (known.has(name)) continue;
			known.add(name);
			const { type, num } = splitName(name);
			objects.push(makeObject(type, num));
			objectIn.push(ri);
		}
	});
	const order = objects
		.map((_, i) => i)
		.sort((a, b) => compareEntities(objects[a] as SceneObject, objects[b] as SceneObject));
	const scene: Scene = {
		receptacles,
		objects: order.map((i) => objects[i] as SceneObject),
		objectIn: order.map((i) => objectIn[i] as number),
		opened: receptacles.map((r) => sightings.get(r.name)?.openAtStart ?? false),
		goal,
		room: "transcript",
		layout: "transcript",
		sharedLocations: true,
	};
	return { scene, extraIntroLines };
};

/**
 * Replay a legacy-format transcript in our engine (legacy grammar, `go to` text stripped as the
 * harnesses do) and compare every observation byte for byte.
 */
export const replayTranscript = (text: string, options: ReplayOptions = {}): ReplayResult => {
	const parsed = parseTranscript(text);
	const { scene, extraIntroLines } = sceneFromTranscript(parsed);
	const game = new AlfworldGame(scene, { grammar: "legacy", intro: options.intro ?? "eval", arrive: "stripped" });
	const expectedIntro = parsed.introLines.filter((l) => !extraIntroLines.includes(l)).join("\n");
	const actualIntro = game.observation;
	const steps: ReplayStep[] = parsed.steps.map(({ action, observation }, index) => {
		const actual = game.play(action)?.observation ?? nothingHappens;
		return { index, action, expected: observation, actual, identical: actual === observation };
	});
	return {
		scene,
		intro: { expected: expectedIntro, actual: actualIntro, identical: actualIntro === expectedIntro },
		steps,
		mismatches: steps.filter((s) => !s.identical).map((s) => s.index),
		won: game.won,
		extraIntroLines,
	};
};
