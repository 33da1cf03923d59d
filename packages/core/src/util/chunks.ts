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

/**
 * Work on `items` shared between the calling thread and helper threads: the items are cut into
 * contiguous shares of equal size (the last may be shorter), one per party; `post` hands the
 * helpers their shares (share i to helper i) and returns at once, the calling thread computes the
 * first share with `here`, then `wait()` blocks until the helpers' results are in. The results come
 * back in item order, so a sum over them is the same whoever computed each item. With no helpers
 * (or one item) everything runs here and `post` is never called.
 */
export const shareOut = <T, R>(
	items: ReadonlyArray<T>,
	helpers: number,
	post: (shares: ReadonlyArray<ReadonlyArray<T>>) => { wait(): ReadonlyArray<ReadonlyArray<R>> },
	here: (item: T) => R,
): R[] => {
	const parties = Math.min(helpers + 1, items.length);
	if (parties <= 1) return items.map(here);
	const share = Math.ceil(items.length / parties);
	const remote: T[][] = [];
	for (let from = share; from < items.length; from += share) remote.push(items.slice(from, from + share));
	const pending = post(remote);
	const own = items.slice(0, share).map(here);
	return [...own, ...pending.wait().flat()];
};
