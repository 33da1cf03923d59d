/**
 * Who may call our servers (`stepwise serve`, `stepwise env-server`): they bind loopback by
 * default; bound anywhere else they need an API key, which clients send as `Authorization: Bearer`.
 */
import { timingSafeEqual } from "node:crypto";
import { Effect, Schema } from "effect";

/** A server was asked to listen beyond loopback without an API key. */
export class UnprotectedBindError extends Schema.TaggedError<UnprotectedBindError>()("UnprotectedBindError", {
	message: Schema.String,
}) {}

/** The host names and addresses that only this machine can reach. */
export const isLoopback = (host: string): boolean =>
	host === "localhost" || host === "::1" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);

/** Refuse a non-loopback host without a key. */
export const checkBinding = (host: string, apiKey: string | undefined): Effect.Effect<void, UnprotectedBindError> =>
	isLoopback(host) || (apiKey !== undefined && apiKey !== "")
		? Effect.void
		: Effect.fail(
				new UnprotectedBindError({
					message: `--host ${host} is reachable from other machines: give an API key (--api-key or STEPWISE_API_KEY)`,
				}),
			);

/** The request carries the key (always true when the server has none). */
export const isAuthorized = (headers: Readonly<Record<string, string | undefined>>, apiKey: string | undefined) => {
	if (apiKey === undefined || apiKey === "") return true;
	const given = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? "")?.[1]?.trim() ?? "";
	const a = Buffer.from(given);
	const b = Buffer.from(apiKey);
	return a.length === b.length && timingSafeEqual(a, b);
};
