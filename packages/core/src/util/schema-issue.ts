import type { SchemaIssue } from "effect";

/**
 * The path of a Schema issue's first leaf: the keys and indices of its pointers, followed through
 * composites (first member), filters and encodings. Empty when the issue is at the root.
 */
export const issuePath = (issue: SchemaIssue.Issue): PropertyKey[] => {
	const parts: PropertyKey[] = [];
	let cur: SchemaIssue.Issue | undefined = issue;
	while (cur !== undefined) {
		switch (cur._tag) {
			case "Pointer":
				parts.push(...cur.path);
				cur = cur.issue;
				break;
			case "Composite":
				cur = cur.issues[0];
				break;
			case "Filter":
			case "Encoding":
				cur = cur.issue;
				break;
			default:
				cur = undefined;
		}
	}
	return parts;
};

/**
 * The offending key of a Schema decoding failure, as one string: dotted (`train.lr`, `steps.3.reward`)
 * or, with `brackets`, with indices in brackets (`steps[3].reward`); `root` when the value itself is
 * at fault. This is the one way the packages name the key of a Schema error (no regex over messages).
 */
export const schemaErrorKey = (
	error: { readonly issue: SchemaIssue.Issue },
	options: { readonly brackets?: boolean; readonly root?: string } = {},
): string => {
	const parts = issuePath(error.issue);
	const text = options.brackets
		? parts.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("")
		: parts.map(String).join(".");
	return text === "" ? (options.root ?? "(root)") : text;
};
