/**
 * Rows cut into the fewest chunks of at most `micro` rows, of sizes that differ by at most one (35
 * rows with `micro` 32: 18 + 17, not 32 + 3), so that helpers computing whole chunks share the work
 * evenly. The cut depends on the rows alone, never on the helpers, so an update is the same with or
 * without them.
 */
export const balancedChunks = <R>(rows: ReadonlyArray<R>, micro: number): R[][] => {
	const k = Math.max(1, Math.ceil(rows.length / micro));
	return Array.from({ length: k }, (_, i) =>
		rows.slice(Math.round((i * rows.length) / k), Math.round(((i + 1) * rows.length) / k)),
	);
};
