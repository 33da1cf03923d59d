import type { StepRows } from "@stepwise/core";
import { indexSequence, isSimilar, type SequenceIndex } from "./similarity.ts";

/** Anchor-state clusters of the rows: `clusterOf[i]` in `0 .. count-1`; clusters never span groups. */
export interface AnchorClusters {
	readonly clusterOf: Int32Array;
	readonly count: number;
}

/**
 * Exact grouping (GiGPO's default, RewardFlow's only mode): inside each group, rows whose anchor
 * (`stateKey`) is byte-identical share a cluster, whatever their trajectory or step.
 */
export const exactAnchorClusters = (rows: StepRows): AnchorClusters => {
	const clusterOf = new Int32Array(rows.size);
	let count = 0;
	let ids = new Map<string, number>();
	let currentGroup = -1;
	for (let i = 0; i < rows.size; i++) {
		const g = rows.group[i] as number;
		if (g !== currentGroup) {
			ids = new Map();
			currentGroup = g;
		}
		const key = rows.anchor[i] as string;
		let id = ids.get(key);
		if (id === undefined) {
			id = count++;
			ids.set(key, id);
		}
		clusterOf[i] = id;
	}
	return { clusterOf, count };
};

/**
 * Similarity grouping (verl-agent's `enable_similarity`): inside each group, in row order, a row
 * joins the first cluster whose representative (its first member) has
 * `SequenceMatcher(None, row, rep).ratio() >= threshold`, else it starts a new cluster. The result
 * depends on row order, as the reference's does.
 */
export const similarityAnchorClusters = (rows: StepRows, threshold: number, autojunk = true): AnchorClusters => {
	const clusterOf = new Int32Array(rows.size);
	let count = 0;
	let reps: { readonly index: SequenceIndex; readonly id: number }[] = [];
	// A string seen before lands in the same cluster again (earlier clusters still fail, its own still matches).
	let seen = new Map<string, number>();
	let currentGroup = -1;
	for (let i = 0; i < rows.size; i++) {
		const g = rows.group[i] as number;
		if (g !== currentGroup) {
			reps = [];
			seen = new Map();
			currentGroup = g;
		}
		const key = rows.anchor[i] as string;
		let id = seen.get(key);
		if (id === undefined) {
			for (const rep of reps) {
				if (isSimilar(key, rep.index, threshold)) {
					id = rep.id;
					break;
				}
			}
			if (id === undefined) {
				id = count++;
				reps.push({ index: indexSequence(key, autojunk), id });
			}
			seen.set(key, id);
		}
		clusterOf[i] = id;
	}
	return { clusterOf, count };
};
