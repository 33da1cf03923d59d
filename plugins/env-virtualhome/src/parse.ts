/**
 * SPA-RL's action text parsing (`str2program_list`): a natural-language line becomes a VirtualHome
 * program line `[ACTION] <name> (1)`. The line is lower-cased and stripped, anything up to the
 * first `:` is dropped, and it must match exactly one template; otherwise a word-count guess is
 * made from the original line (docs/environments/virtualhome.md).
 */

/** The evolving-graph actions SPA knows: name, number of object arguments, natural template. */
export const ACTIONS = [
	["CLOSE", 1, "close {}"],
	["DRINK", 1, "drink {}"],
	["FIND", 1, "find {}"],
	["WALK", 1, "walk to {}"],
	["GRAB", 1, "grab {}"],
	["LOOKAT", 1, "look at {}"],
	["OPEN", 1, "open {}"],
	["POINTAT", 1, "point at {}"],
	["PUTBACK", 2, "put {} on {}"],
	["PUTIN", 2, "put {} in {}"],
	["PUTOBJBACK", 1, "put back {}"],
	["RUN", 1, "run to {}"],
	["SIT", 1, "sit on {}"],
	["STANDUP", 0, "stand up"],
	["SWITCHOFF", 1, "switch off {}"],
	["SWITCHON", 1, "switch on {}"],
	["TOUCH", 1, "touch {}"],
	["TURNTO", 1, "turn to {}"],
	["WATCH", 1, "watch {}"],
	["WIPE", 1, "wipe {}"],
	["PUTON", 1, "put on {}"],
	["PUTOFF", 1, "take off {}"],
	["GREET", 1, "greet {}"],
	["DROP", 1, "drop {}"],
	["READ", 1, "read {}"],
	["LIE", 1, "lie on {}"],
	["POUR", 2, "pour {} into {}"],
	["TYPE", 1, "type on {}"],
	["PUSH", 1, "push {}"],
	["PULL", 1, "pull {}"],
	["MOVE", 1, "move {}"],
	["WASH", 1, "wash {}"],
	["RINSE", 1, "rinse {}"],
	["SCRUB", 1, "scrub {}"],
	["SQUEEZE", 1, "squeeze {}"],
	["PLUGIN", 1, "plug in {}"],
	["PLUGOUT", 1, "plug out {}"],
	["CUT", 1, "cut {}"],
	["EAT", 1, "eat {}"],
	["SLEEP", 0, "sleep"],
	["WAKEUP", 0, "wake up"],
	["RELEASE", 1, "release"],
] as const;

/** A program action name (`WALK`, `PUTIN`, …). */
export type ActionName = (typeof ACTIONS)[number][0];

/** The 27 actions the agent's instruction lists (docs/environments/virtualhome.md), in the instruction's order. */
export const INSTRUCTED_ACTIONS: ReadonlyArray<ActionName> = [
	"WALK",
	"RUN",
	"GRAB",
	"OPEN",
	"CLOSE",
	"PUTBACK",
	"PUTIN",
	"SWITCHON",
	"SWITCHOFF",
	"DRINK",
	"LOOKAT",
	"SIT",
	"STANDUP",
	"WATCH",
	"WIPE",
	"TYPE",
	"WASH",
	"CUT",
	"EAT",
	"SLEEP",
	"WAKEUP",
	"PLUGIN",
	"PLUGOUT",
	"POUR",
	"MOVE",
	"RELEASE",
	"TURNTO",
];

const ARITY = new Map<string, number>(ACTIONS.map(([name, n]) => [name, n]));
const TEMPLATE = new Map<string, string>(ACTIONS.map(([name, , t]) => [name, t]));

/** Number of object arguments of an action, or undefined for a name that is no action. */
export const arity = (name: string): number | undefined => ARITY.get(name);

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Python `parse` semantics: `{}` is `(.+?)`, the whole line must match, case-insensitive, dot-all. */
const COMPILED = ACTIONS.map(([name, n, template]) => ({
	name: name as ActionName,
	n: n as number,
	/** The literal text before the first slot: a cheap filter before the regex. */
	prefix: template.split("{}")[0] as string,
	re: new RegExp(`^${template.split("{}").map(escapeRe).join("(.+?)")}$`, "is"),
	slots: template.split("{}").length - 1,
}));

/** A program line: an action and its object class names (`water_glass`), before grounding. */
export interface ProgramLine {
	readonly action: ActionName;
	readonly args: ReadonlyArray<string>;
}

/** The result of parsing: a well-formed program line, or the reason SPA's pipeline would reject it. */
export type Parsed =
	| { readonly ok: true; readonly line: ProgramLine }
	| { readonly ok: false; readonly reason: string };

const fail = (reason: string): Parsed => ({ ok: false, reason });

const isPySpace = (c: number): boolean =>
	(c >= 0x09 && c <= 0x0d) ||
	(c >= 0x1c && c <= 0x20) ||
	c === 0x85 ||
	c === 0xa0 ||
	c === 0x1680 ||
	(c >= 0x2000 && c <= 0x200a) ||
	c === 0x2028 ||
	c === 0x2029 ||
	c === 0x202f ||
	c === 0x205f ||
	c === 0x3000;

/** Python's `str.strip()` (its whitespace set, which includes the 0x1c–0x1f separators). */
const strip = (s: string): string => {
	let a = 0;
	let b = s.length;
	while (a < b && isPySpace(s.charCodeAt(a))) a++;
	while (b > a && isPySpace(s.charCodeAt(b - 1))) b--;
	return s.slice(a, b);
};

/** SPA's `process_format`: spaces become underscores. */
const formatArg = (arg: string): string => arg.replaceAll(" ", "_");

/** Characters that break SPA's program-line regexes (brackets) or its id substitution (digits). */
const BAD_NAME = /[<>()[\]\d\s]/u;

const checked = (action: string, args: ReadonlyArray<string>): Parsed => {
	const n = arity(action);
	if (n === undefined) return fail(`unknown action [${action}]`);
	if (n !== args.length) return fail(`${action} needs ${n} parameters. But there are ${args.length} parameters.`);
	for (const a of args)
		if (a.length === 0 || BAD_NAME.test(a)) return fail(`malformed object name ${JSON.stringify(a)}`);
	return { ok: true, line: { action: action as ActionName, args } };
};

/**
 * Parse one action line as SPA does. Templates are tried on the lower-cased line; exactly one must
 * match with the right number of arguments. Otherwise the original line is split on single spaces:
 * one word → `[WORD]`, two → `[WORD] <w2>`, three → `[WORD] <w2> <w3>`, more → `[WORD] <w2_w3_…>`
 * (upper-cased action, arguments in their original case), which then must name an action of that
 * arity. `release` never parses (its template has no slot, the action needs one) [quirk].
 */
export const parseActionLine = (text: string): Parsed => {
	let line = strip(text.toLowerCase());
	if (line.length === 0) return fail("empty line");
	const colon = line.indexOf(":");
	if (colon >= 0) line = strip(line.slice(colon + 1));
	const matches: Array<{ name: ActionName; args: string[] }> = [];
	for (const t of COMPILED) {
		if (t.slots !== t.n || !line.startsWith(t.prefix)) continue;
		const m = t.re.exec(line);
		if (m === null) continue;
		matches.push({ name: t.name, args: m.slice(1).map((a) => formatArg(a as string)) });
	}
	if (matches.length === 1) {
		const only = matches[0] as { name: ActionName; args: string[] };
		return checked(only.name, only.args);
	}
	// Fallback: SPA re-reads the original line (not lower-cased; stripped only when it had a colon).
	let raw = text;
	const rawColon = raw.indexOf(":");
	if (rawColon >= 0) raw = strip(raw.slice(rawColon + 1));
	if (raw.length === 0) return fail("empty line");
	const words = raw.split(" ");
	const head = (words[0] as string).toUpperCase();
	if (words.length === 1) return checked(head, []);
	if (words.length === 2) return checked(head, [words[1] as string]);
	if (words.length === 3) return checked(head, [words[1] as string, words[2] as string]);
	return checked(head, [words.slice(1).join("_")]);
};

/** The natural text of a program line, capitalised as SPA's expert writes it (`Walk to dining room`). */
export const naturalAction = (line: ProgramLine): string => {
	const template = TEMPLATE.get(line.action) ?? line.action.toLowerCase();
	let i = 0;
	const text = template.replace(/\{\}/g, () => (line.args[i++] ?? "").replaceAll("_", " "));
	return text.charAt(0).toUpperCase() + text.slice(1);
};

/** The program-line form, e.g. `[PUTIN] <plate> (1) <microwave> (1)`. */
export const programText = (line: ProgramLine, ids?: ReadonlyArray<number>): string =>
	[`[${line.action}]`, ...line.args.map((a, i) => `<${a}> (${ids?.[i] ?? 1})`)].join(" ");

/**
 * Read VirtualHome program syntax (`[PutIn] <plate> (1) <microwave> (1)`, case-insensitive action
 * names) into a program line; undefined when it is not one of the known actions with its arity.
 */
export const parseProgramLine = (text: string): ProgramLine | undefined => {
	const m = /^\s*\[([A-Za-z]+)\]((?:\s*<[^<>]+>\s*\(\d+\))*)\s*$/.exec(text);
	if (m === null) return undefined;
	const action = (m[1] as string).toUpperCase();
	const args = [...(m[2] as string).matchAll(/<([^<>]+)>/g)].map((a) => a[1] as string);
	return arity(action) === args.length ? { action: action as ActionName, args } : undefined;
};
