import { readFileSync } from "node:fs";
import { schemaErrorKey } from "@stepwise/core";
import { Effect, Schema } from "effect";

/**
 * Read a JSON file the runner wrote earlier (a report, a summary) and decode it with `schema`. A
 * file that cannot be read or parsed, or does not decode, fails with `error(message)`, the message
 * naming `what`, the path and the cause (the first bad key, for a decoding failure).
 */
export const readJsonFile = <S extends Schema.Decoder<unknown>, E>(
	path: string,
	schema: S,
	what: string,
	error: (message: string) => E,
): Effect.Effect<S["Type"], E> =>
	Effect.try({
		try: () => JSON.parse(readFileSync(path, "utf8")) as unknown,
		catch: (e) => error(`cannot read ${what} ${path}: ${String(e)}`),
	}).pipe(
		Effect.flatMap((json) =>
			Effect.mapError(Schema.decodeUnknownEffect(schema)(json), (e) =>
				error(`${what} ${path} is malformed at ${schemaErrorKey(e)}: ${e.message.split("\n")[0] ?? ""}`),
			),
		),
	);
