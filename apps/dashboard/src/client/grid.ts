/**
 * Observations that are character grids (a Sokoban room: rows of equal length, one cell a
 * character) render as coloured cells; any other text renders as text.
 */
import { h } from "./dom.ts";

/** Cell classes of the grid symbols the environments write (Sokoban's `#_O√XPS`). */
const cellClass: Readonly<Record<string, string>> = {
	"#": "wall",
	_: "floor",
	" ": "floor",
	".": "floor",
	O: "target",
	X: "box",
	"√": "box-on-target",
	P: "player",
	S: "player-on-target",
};

/** The rows of `text` if it is a grid (at least 2×2, at most 40×40, equal row lengths), else undefined. */
export const gridRows = (text: string): string[][] | undefined => {
	const rows = text.split("\n").map((r) => [...r.replace(/\t$/, "")]);
	const width = rows[0]?.length ?? 0;
	if (rows.length < 2 || rows.length > 40 || width < 2 || width > 40) return undefined;
	return rows.every((r) => r.length === width) ? rows : undefined;
};

/** An observation: a grid of cells, or its text. */
export const observation = (text: string): HTMLElement => {
	const rows = gridRows(text);
	if (rows === undefined)
		return h("pre", { class: "obs-text", title: text }, text.length > 400 ? `${text.slice(0, 400)}…` : text);
	const width = rows[0]?.length ?? 0;
	return h(
		"div",
		{ class: "grid", style: `grid-template-columns: repeat(${width}, 1fr)`, title: text },
		rows.flatMap((r) =>
			r.map((c) => h("span", { class: `cell ${cellClass[c] ?? "other"}` }, cellClass[c] === undefined ? c : "")),
		),
	);
};
