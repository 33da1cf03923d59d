/**
 * The expert (the SFT oracle of docs/environments/search.md): it knows the question's plan (which entity is
 * named and which relations to follow) but not the answers. It searches the named entity, reads the
 * bridge entity from the passages it got back, searches that one, and so on, then answers. It only
 * reads what the episode actually retrieved.
 */
import type { SearchAction } from "./actions.ts";
import type { Passage } from "./passages.ts";
import type { Plan } from "./questions.ts";
import { type RelationId, readRelation } from "./relations.ts";

/** Words the expert adds to an entity's name to pull up the passage stating the relation. */
export const RELATION_KEYWORDS: { readonly [K in RelationId]: string } = {
	founder: "founded by",
	orgYear: "founded",
	hq: "headquarters",
	birthplace: "born",
	birthYear: "born",
	almaMater: "studied",
	spouse: "married",
	creator: "first by",
	workYear: "first",
	country: "city founded",
	cityYear: "city founded",
	capital: "capital",
	indepYear: "independent",
	venue: "took place",
	leader: "led",
	eventYear: "took place",
};

/** The expert's query for relation `rel` of entity `name`. */
export const expertQuery = (name: string, rel: RelationId): string => `${name} ${RELATION_KEYWORDS[rel]}`;

/** Read relation `rel` of the entity titled `name` from the retrieved passages. */
export const readFrom = (retrieved: ReadonlyArray<Passage>, name: string, rel: RelationId): string | undefined => {
	for (const p of retrieved) {
		if (p.title !== name) continue;
		const v = readRelation(rel, p.contents.slice(p.contents.indexOf("\n") + 1));
		if (v !== undefined && v !== "") return v;
	}
	return undefined;
};

/** How the expert words its queries: name + relation keywords first (default), or the bare name first. */
export type QueryStyle = "keywords" | "bare";

/**
 * The expert's next action given the plan, the passages retrieved so far and the queries issued.
 * When a needed fact is still missing after its search, it retries with the other query wording,
 * then answers its best guess.
 */
export const expertNext = (
	plan: Plan,
	retrieved: ReadonlyArray<Passage>,
	queries: ReadonlyArray<string>,
	style: QueryStyle = "keywords",
): SearchAction => {
	const lookup = (name: string, rel: RelationId): { value: string } | { action: SearchAction } => {
		const v = readFrom(retrieved, name, rel);
		if (v !== undefined) return { value: v };
		const wordings = style === "keywords" ? [expertQuery(name, rel), name] : [name, expertQuery(name, rel)];
		for (const q of wordings) if (!queries.includes(q)) return { action: { kind: "search", query: q } };
		return { value: "" };
	};
	if (plan.kind === "chain") {
		let cur = plan.start;
		for (const rel of plan.relations) {
			const r = lookup(cur, rel);
			if ("action" in r) return r.action;
			if (r.value === "") return { kind: "answer", answer: cur };
			cur = r.value;
		}
		return { kind: "answer", answer: cur };
	}
	const years: number[] = [];
	for (const name of plan.names) {
		const r = lookup(name, plan.relation);
		if ("action" in r) return r.action;
		years.push(r.value === "" ? Number.NaN : Number(r.value));
	}
	const [a, b] = plan.names;
	const [ya, yb] = years as [number, number];
	const aWins = plan.pick === "earlier" ? !(yb < ya) : !(yb > ya);
	return { kind: "answer", answer: aWins ? a : b };
};
