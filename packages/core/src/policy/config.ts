import { Effect, Exit, Schema } from "effect";
import { schemaErrorKey } from "../util/schema-issue.ts";
import { PolicyConfigError } from "./errors.ts";

const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0));

/** The shape of a transformer policy (saved as `config.json` beside its weights). */
export const ModelConfig = Schema.Struct({
	/** Vocabulary size (the tokenizer's). */
	vocabSize: PositiveInt,
	/** Maximum sequence length (learned absolute positions). */
	contextLength: PositiveInt,
	/** Width of the residual stream. */
	dModel: PositiveInt,
	/** Number of transformer blocks. */
	nLayers: PositiveInt,
	/** Attention heads; must divide `dModel`. */
	nHeads: PositiveInt,
	/** Hidden width of the feed-forward block (usually 4 × dModel). */
	dFF: PositiveInt,
	/**
	 * Optional line/column embeddings for grid-like text: with the id of the newline token, each
	 * token also gets a learned embedding of its line number and of its column (tokens since the
	 * last newline), clamped to `maxLines` / `maxColumns`. Off when absent.
	 */
	newlineToken: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
	maxLines: Schema.optionalKey(PositiveInt),
	maxColumns: Schema.optionalKey(PositiveInt),
});
export type ModelConfig = typeof ModelConfig.Type;

const decodeExit = Schema.decodeUnknownExit(ModelConfig);

/**
 * Decode a model config from unknown input; fails with `PolicyConfigError` naming the field
 * (including the `nHeads` must divide `dModel` rule).
 */
export const decodeModelConfig = (input: unknown): Effect.Effect<ModelConfig, PolicyConfigError> =>
	Effect.suspend(() => {
		const exit = decodeExit(input, { onExcessProperty: "error" });
		if (Exit.isFailure(exit)) {
			const err = exit.cause.reasons.find((r) => r._tag === "Fail")?.error;
			const message = err !== undefined ? err.message : String(exit.cause);
			const field = err !== undefined ? schemaErrorKey(err, { root: "(config)" }) : "(config)";
			return Effect.fail(new PolicyConfigError({ field, message: `invalid model config: ${message}` }));
		}
		const config = exit.value;
		const grid = [config.newlineToken, config.maxLines, config.maxColumns].filter((x) => x !== undefined).length;
		if (grid !== 0 && grid !== 3)
			return Effect.fail(
				new PolicyConfigError({
					field:
						config.newlineToken === undefined
							? "newlineToken"
							: config.maxLines === undefined
								? "maxLines"
								: "maxColumns",
					message: "invalid model config: newlineToken, maxLines and maxColumns go together",
				}),
			);
		if (config.dModel % config.nHeads !== 0)
			return Effect.fail(
				new PolicyConfigError({
					field: "nHeads",
					message: `invalid model config: nHeads (${config.nHeads}) must divide dModel (${config.dModel})`,
				}),
			);
		return Effect.succeed(config);
	});

/** Number of trainable parameters of a config (embeddings, blocks, final norm, LM, value and progress heads). */
export const parameterCount = (c: ModelConfig): number => {
	const block = 4 * c.dModel + (3 * c.dModel * c.dModel + 3 * c.dModel) + (c.dModel * c.dModel + c.dModel);
	const ffn = c.dModel * c.dFF + c.dFF + c.dFF * c.dModel + c.dModel;
	return (
		c.vocabSize * c.dModel +
		c.contextLength * c.dModel +
		c.nLayers * (block + ffn) +
		2 * c.dModel +
		c.dModel * c.vocabSize +
		c.vocabSize +
		2 * (c.dModel + 1) +
		(c.newlineToken !== undefined ? ((c.maxLines ?? 0) + (c.maxColumns ?? 0)) * c.dModel : 0)
	);
};

/**
 * Bytes the attention scores of one forward (and backward) pass may take: every layer keeps
 * `rows × nHeads × T × T` float32 scores several times over (scores, masked scores, probabilities,
 * the sliced matmul's stacked copy, and their gradients). tfjs-backend-wasm has one 4 GiB heap
 * (32-bit addresses): at 1,024 tokens 16 rows of the default policy took more and ended in
 * "Out of bounds memory access"; with this budget the passes are cut into fewer rows (5 at 1,024
 * tokens: 1.9 GiB peak on wasm, docs/performance.md).
 */
export const ATTENTION_BUDGET_BYTES = 2 ** 30;

/** Score-sized float32 tensors a layer keeps per pass (forward and backward), for {@link attentionRows}. */
const ATTENTION_COPIES = 6;

/**
 * The most rows (at most `rows`, at least 1) of sequences of `length` tokens whose attention
 * scores fit {@link ATTENTION_BUDGET_BYTES}: the micro-batch of SFT, RL updates, scoring and
 * generation at long contexts. The default policy at 80 tokens fits 873 rows, so the batch sizes
 * of short-context runs are never cut.
 */
export const attentionRows = (
	c: Pick<ModelConfig, "nLayers" | "nHeads" | "contextLength">,
	rows: number,
	length: number = c.contextLength,
): number => {
	const perRow = c.nLayers * c.nHeads * length * length * 4 * ATTENTION_COPIES;
	return Math.max(1, Math.min(rows, Math.floor(ATTENTION_BUDGET_BYTES / Math.max(1, perRow))));
};
