/** The page's side of the API: fetch a path, decode the JSON with the response's Schema. */
import { Schema } from "effect";

/** The query part of a URL from pairs (repeated keys allowed). */
export const query = (pairs: ReadonlyArray<readonly [string, string]>): string => {
	const q = new URLSearchParams();
	for (const [k, v] of pairs) q.append(k, v);
	const s = q.toString();
	return s === "" ? "" : `?${s}`;
};

/** A path segment (a run or file name). */
export const seg = (s: string): string => encodeURIComponent(s);

/** GET `path` and decode it; a failed request or a response that does not decode throws with the reason. */
export const get = async <S extends Schema.ConstraintDecoder<unknown>>(schema: S, path: string): Promise<S["Type"]> => {
	const res = await fetch(path, { credentials: "same-origin" });
	const body: unknown = await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }));
	if (!res.ok) {
		const error = typeof body === "object" && body !== null && "error" in body ? String(body.error) : res.statusText;
		throw new Error(`${path}: ${error}`);
	}
	return Schema.decodeUnknownPromise(schema)(body);
};
