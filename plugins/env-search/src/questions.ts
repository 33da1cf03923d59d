/**
 * Questions over the world: single-hop (NQ-like), two-hop bridge and comparison (HotpotQA-like) and
 * three-hop (MuSiQue-like), each with gold answer aliases, a `source` tag for per-type reporting, and
 * the plan the expert follows. A question is a pure function of (world, seed, split, index), and only
 * uses entities of its split's clusters.
 */
import { hashSeed, Rng } from "@stepwise/core";
import { RELATIONS, RELATIONS_FROM, type Relation, type RelationId, subjectName } from "./relations.ts";
import type { Entity, Split, World } from "./world.ts";

/** The hop types, used as the `data_source` tag. */
export const SOURCES = ["single-hop", "bridge", "comparison", "three-hop"] as const;
export type Source = (typeof SOURCES)[number];

/** What the expert does: follow a relation chain from a named entity, or compare two entities' years. */
export type Plan =
	| { readonly kind: "chain"; readonly start: string; readonly relations: ReadonlyArray<RelationId> }
	| {
			readonly kind: "compare";
			readonly names: readonly [string, string];
			readonly relation: RelationId;
			readonly pick: "earlier" | "later";
	  };

/** A generated question. */
export interface Question {
	readonly id: string;
	readonly source: Source;
	/** The question text, preprocessed as Search-R1 does (stripped, ending with "?"). */
	readonly question: string;
	/** Gold answers (`golden_answers`): the canonical answer first, then aliases. */
	readonly golden: ReadonlyArray<string>;
	readonly plan: Plan;
	/** Entities along the reasoning path (for reporting and split checks). */
	readonly path: ReadonlyArray<number>;
}

/** Search-R1's question preprocessing: strip, and append "?" if missing. */
export const preprocessQuestion = (q: string): string => {
	const s = q.trim();
	return s.endsWith("?") ? s : `${s}?`;
};

/** The gold answers for a value: an entity's name (+ aliases) or a year. */
export const answerAliases = (world: World, to: Relation["to"], value: number): string[] => {
	if (to === "year") return [String(value)];
	const e = world.entities[value] as Entity;
	switch (e.kind) {
		case "person":
			return [e.name, e.name.split(" ").slice(1).join(" ")];
		case "country":
			return [e.name, `Republic of ${e.name}`];
		default:
			return [e.name];
	}
};

const WEIGHTS: ReadonlyArray<readonly [Source, number]> = [
	["single-hop", 0.3],
	["bridge", 0.3],
	["comparison", 0.15],
	["three-hop", 0.25],
];

const pickSource = (rng: Rng): Source => {
	let u = rng.next();
	for (const [s, w] of WEIGHTS) {
		u -= w;
		if (u < 0) return s;
	}
	return "three-hop";
};

/** Try to draw a relation chain of `hops` relations from a random entity of the cluster. */
const drawChain = (world: World, members: ReadonlyArray<number>, hops: number, rng: Rng) => {
	const start = world.entities[rng.pick(members)] as Entity;
	const path: Entity[] = [start];
	const rels: Relation[] = [];
	let cur = start;
	for (let h = 0; h < hops; h++) {
		const last = h === hops - 1;
		const options = RELATIONS_FROM[cur.kind].filter((r) => {
			if (!last && r.to === "year") return false;
			const v = r.get(cur);
			return v >= 0 && (r.to === "year" || !path.some((p) => p.id === v));
		});
		if (options.length === 0) return undefined;
		const r = rng.pick(options);
		rels.push(r);
		if (r.to === "year") break;
		cur = world.entities[r.get(cur)] as Entity;
		path.push(cur);
	}
	if (rels.length !== hops) return undefined;
	return { path, rels };
};

const chainQuestion = (world: World, members: ReadonlyArray<number>, hops: number, rng: Rng) => {
	for (let attempt = 0; attempt < 100; attempt++) {
		const chain = drawChain(world, members, hops, rng);
		if (chain === undefined) continue;
		const { path, rels } = chain;
		let subject = subjectName(path[0] as Entity);
		for (let i = 0; i < rels.length - 1; i++) {
			const np = (rels[i] as Relation).np;
			if (np === undefined) return undefined;
			subject = np(subject, path[i] as Entity, world);
		}
		const final = rels[rels.length - 1] as Relation;
		const subjectEntity = path[rels.length - 1] as Entity;
		const value = final.get(subjectEntity);
		return {
			question: final.ask(subject, subjectEntity, world),
			golden: answerAliases(world, final.to, value),
			plan: { kind: "chain", start: (path[0] as Entity).name, relations: rels.map((r) => r.id) } as Plan,
			path: [...path.map((p) => p.id), ...(final.to === "year" ? [] : [value])],
		};
	}
	return undefined;
};

const COMPARE: ReadonlyArray<{
	kind: Entity["kind"];
	relation: RelationId;
	earlier: string;
	later: string;
}> = [
	{
		kind: "person",
		relation: "birthYear",
		earlier: "Who was born earlier, {a} or {b}?",
		later: "Who was born later, {a} or {b}?",
	},
	{
		kind: "org",
		relation: "orgYear",
		earlier: "Which was founded earlier, {a} or {b}?",
		later: "Which was founded more recently, {a} or {b}?",
	},
	{
		kind: "work",
		relation: "workYear",
		earlier: "Which work is older, {a} or {b}?",
		later: "Which work is more recent, {a} or {b}?",
	},
	{
		kind: "city",
		relation: "cityYear",
		earlier: "Which city was founded earlier, {a} or {b}?",
		later: "Which city was founded later, {a} or {b}?",
	},
	{
		kind: "event",
		relation: "eventYear",
		earlier: "Which took place earlier, {a} or {b}?",
		later: "Which took place later, {a} or {b}?",
	},
];

const compareQuestion = (world: World, members: ReadonlyArray<number>, rng: Rng) => {
	for (let attempt = 0; attempt < 100; attempt++) {
		const c = rng.pick(COMPARE);
		const of = members.filter((m) => (world.entities[m] as Entity).kind === c.kind);
		if (of.length < 2) continue;
		const [i, j] = rng.shuffle(of) as [number, number];
		const a = world.entities[i] as Entity;
		const b = world.entities[j] as Entity;
		if (a.year === b.year) continue;
		const pick = rng.chance(0.5) ? "earlier" : "later";
		const winner = (pick === "earlier") === a.year < b.year ? a : b;
		const text = (pick === "earlier" ? c.earlier : c.later)
			.replace("{a}", subjectName(a))
			.replace("{b}", subjectName(b));
		return {
			question: text,
			golden: [winner.name],
			plan: { kind: "compare", names: [a.name, b.name], relation: c.relation, pick } as Plan,
			path: [a.id, b.id],
		};
	}
	return undefined;
};

/**
 * The question of task `(seed, split, index)`: a cluster of the split and a hop type are drawn,
 * then a question of that type over the cluster (another draw on the rare dead end).
 */
export const makeQuestion = (world: World, seed: number, split: Split, index: number): Question => {
	const clusters = world.splitClusters[split];
	const rng = new Rng(hashSeed(seed, "search-question", split, index));
	for (let attempt = 0; ; attempt++) {
		const cluster = world.clusters[rng.pick(clusters)];
		const members = cluster?.entities ?? [];
		const source = pickSource(rng);
		const q =
			source === "comparison"
				? compareQuestion(world, members, rng)
				: chainQuestion(world, members, source === "single-hop" ? 1 : source === "bridge" ? 2 : 3, rng);
		if (q !== undefined)
			return { id: `${split}/${seed}/${index}`, source, ...q, question: preprocessQuestion(q.question) };
		if (attempt > 1000) throw new Error(`no question could be drawn for ${split}/${index}`);
	}
};

/** The relation of a compare plan, for readers. */
export const compareRelation = (plan: Extract<Plan, { kind: "compare" }>): Relation => RELATIONS[plan.relation];
