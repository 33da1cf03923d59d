import { Schema } from "effect";

/**
 * A Hugging Face model directory (or adapter, or export target) cannot be used: `path` names the
 * file, `message` says what is wrong in one line (a missing or misshaped tensor, an unsupported
 * architecture or dtype, a corrupt file).
 */
export class HfModelError extends Schema.TaggedError<HfModelError>()("HfModelError", {
	path: Schema.String,
	message: Schema.String,
}) {}
