/** A tiny DOM builder: `h("td", { class: "num", onclick: f }, "1.5")`. */
type Attr = string | number | boolean | undefined | ((event: Event) => void);
export type Child = Node | string | number | null | undefined | false;

export const h = <K extends keyof HTMLElementTagNameMap>(
	tag: K,
	attrs: Readonly<Record<string, Attr>> = {},
	...children: ReadonlyArray<Child | ReadonlyArray<Child>>
): HTMLElementTagNameMap[K] => {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (v === undefined || v === false) continue;
		if (typeof v === "function") el.addEventListener(k.slice(2), v);
		else if (k === "value" || k === "checked" || k === "selected") Object.assign(el, { [k]: v });
		else el.setAttribute(k === "className" ? "class" : k, v === true ? "" : String(v));
	}
	for (const c of children.flat())
		if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
	return el;
};

/** Replace an element's children. */
export const fill = (el: Element, ...children: ReadonlyArray<Child | ReadonlyArray<Child>>): void => {
	el.replaceChildren();
	for (const c of children.flat())
		if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
};

/** A `<select>` of options (value, label), with `selected` chosen. */
export const select = (
	attrs: Readonly<Record<string, Attr>>,
	options: ReadonlyArray<readonly [value: string, label: string]>,
	selected: string | undefined,
): HTMLSelectElement =>
	h(
		"select",
		attrs,
		options.map(([value, label]) => h("option", { value, selected: value === selected }, label)),
	);

/** A number with up to `digits` decimals (no trailing zeros), `–` for none. */
export const num = (x: number | null | undefined, digits = 4): string =>
	x === null || x === undefined ? "–" : String(Number(x.toFixed(digits)));
