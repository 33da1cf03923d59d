import { Schema } from "effect";
import { parse as parseYaml } from "yaml";

/** A config file or a command-line override is wrong; `key` is the dotted path at fault. */
export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
	key: Schema.String,
	source: Schema.String,
	message: Schema.String,
}) {}

type Tree = { [key: string]: unknown };
/** A plain object of config keys (not an array, not null). */
export const isTree = (x: unknown): x is Tree => typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * Parse `a.b.c=value` (Hydra-style) into a path and a value; the value is read as a YAML scalar
 * (`1e-4` → number, `true` → boolean, `[1, 2]` → array, `abc` → string).
 */
export const parseOverride = (text: string): { readonly path: ReadonlyArray<string>; readonly value: unknown } => {
	const eq = text.indexOf("=");
	const key = eq < 0 ? "" : text.slice(0, eq).trim();
	if (eq < 0 || !/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/.test(key))
		throw new ConfigError({
			key: key || text,
			source: "command line",
			message: `override "${text}" must look like key.sub=value`,
		});
	const raw = text.slice(eq + 1);
	let value: unknown;
	try {
		value = raw.trim() === "" ? "" : parseYaml(raw);
	} catch {
		value = raw;
	}
	return { path: key.split("."), value };
};

/** Set a dotted path in a tree (copying along the path), creating sub-trees as needed. */
export const setPath = (tree: Tree, path: ReadonlyArray<string>, value: unknown): Tree => {
	const [head, ...rest] = path;
	if (head === undefined) return tree;
	if (rest.length === 0) return { ...tree, [head]: value };
	const child = tree[head];
	return { ...tree, [head]: setPath(isTree(child) ? child : {}, rest, value) };
};

/** Deep-merge `over` onto `base` (objects merge, everything else replaces). */
export const deepMerge = (base: Tree, over: Tree): Tree => {
	const out: Tree = { ...base };
	for (const [k, v] of Object.entries(over)) {
		const b = out[k];
		out[k] = isTree(b) && isTree(v) ? deepMerge(b, v) : v;
	}
	return out;
};

/**
 * Apply overrides in order to a config tree. One that changes `method.name` also empties
 * `method.config`, which holds the options of the method named before (a later
 * `method.config.*` override sets the new method's).
 */
export const applyOverrides = (tree: Tree, overrides: ReadonlyArray<string>): Tree =>
	overrides.reduce((t, o) => {
		const { path, value } = parseOverride(o);
		const method = t.method;
		const switched = path.join(".") === "method.name" && isTree(method) && method.name !== value;
		return setPath(switched ? setPath(t, ["method", "config"], {}) : t, path, value);
	}, tree);

/** Parse a YAML config text into a tree (an empty file is an empty config). */
export const parseConfigText = (text: string, source: string): Tree => {
	let doc: unknown;
	try {
		doc = parseYaml(text);
	} catch (error) {
		throw new ConfigError({ key: "(file)", source, message: `${source}: not valid YAML: ${String(error)}` });
	}
	if (doc === null || doc === undefined) return {};
	if (!isTree(doc))
		throw new ConfigError({ key: "(root)", source, message: `${source}: the top level must be a mapping` });
	return doc;
};
