import { Cause, Schema } from "effect";

/**
 * The `stepwise` command's exit codes: 0 success, 1 a runtime failure (a write that failed, a
 * diverged training, an unavailable backend, a bug), 2 a config or input error (the user fixes the
 * command line, the config or an input file), 130 interrupted (Ctrl-C / SIGTERM).
 */
export const ExitCode = { ok: 0, failure: 1, input: 2, interrupted: 130 } as const;

/**
 * The tagged errors that are the user's to fix: a config key, a flag, an input file (trajectories,
 * a checkpoint to load, levels), a locked run directory. Every other failure is a runtime failure.
 */
const inputErrors: ReadonlySet<string> = new Set([
	"ConfigError",
	"MethodConfigError",
	"CreditCommandError",
	"CreditConfigError",
	"CreditInputError",
	"TrajectoryFileError",
	"CheckpointError",
	"HfModelError",
	"HfTokenizerError",
	"ChatTemplateError",
	"PolicyConfigError",
	"TrainConfigError",
	"UnknownBackendError",
	"UnknownEnvSpecError",
	"EnvConfigError",
	"EnvPluginLoadError",
	"DuplicateEnvError",
	"NoMatchingSpecError",
	"EvalReportError",
	"RunSummaryError",
	"BoxobanParseError",
	"RunLockedError",
	"ShowHelp",
]);

const tagOf = (error: unknown): string | undefined => {
	const tag = (error as { readonly _tag?: unknown } | undefined)?._tag;
	return typeof tag === "string" ? tag : undefined;
};

/** The exit code of a failure value: {@link ExitCode.input} for the user's errors, else {@link ExitCode.failure}. */
export const exitCodeOf = (error: unknown): number => {
	const tag = tagOf(error);
	return tag !== undefined && inputErrors.has(tag) ? ExitCode.input : ExitCode.failure;
};

/** A failure as one line for the terminal (typed errors carry a message naming the key, file, line …). */
export const errorLine = (error: unknown): string => {
	const tag = tagOf(error);
	const message = (error as { readonly message?: unknown } | undefined)?.message;
	const text = typeof message === "string" && message !== "" ? message : String(error);
	return `error: ${tag !== undefined ? `${tag}: ` : ""}${text.split("\n")[0] ?? ""}`;
};

/**
 * The compute backend could not allocate a tensor: the wasm backend's heap holds at most 4 GiB
 * (32-bit addresses), and its kernels end with "Out of bounds memory access" or "Length out of
 * range of buffer" beyond it; the cpu and native backends throw allocation failures.
 */
export class OutOfMemoryError extends Schema.TaggedError<OutOfMemoryError>()("OutOfMemoryError", {
	message: Schema.String,
}) {}

const MEMORY_FAILURES =
	/Out of bounds memory access|memory access out of bounds|Length out of range of buffer|Array buffer allocation failed|Cannot allocate Wasm memory|Out of memory|OOM when allocating/i;

/** A defect that is the backend running out of memory, as an {@link OutOfMemoryError} naming the limit and the keys to lower. */
export const outOfMemory = (defect: unknown): OutOfMemoryError | undefined => {
	const text = defect instanceof Error ? `${defect.name}: ${defect.message}` : String(defect);
	if (!MEMORY_FAILURES.test(text)) return undefined;
	return new OutOfMemoryError({
		message: `the compute backend ran out of memory (${text.split("\n")[0]}); the wasm backend's heap holds at most 4 GiB: lower model.contextLength, sft.microBatchSize, rollout.batchSize or train.miniBatchSize, or use --backend tensorflow`,
	});
};

/**
 * How a command that did not succeed is reported: one line and an exit code. Interruption alone is
 * 130; a typed failure is its {@link errorLine} and {@link exitCodeOf}; a backend out of memory is
 * an {@link OutOfMemoryError}; a defect (a bug, or an error nothing typed) is one line too, with
 * the whole cause when `STEPWISE_DEBUG` is set.
 */
export const reportCause = (
	cause: Cause.Cause<unknown>,
	debug: boolean = process.env.STEPWISE_DEBUG !== undefined && process.env.STEPWISE_DEBUG !== "",
): { readonly lines: ReadonlyArray<string>; readonly code: number } => {
	if (Cause.hasInterruptsOnly(cause)) return { lines: ["interrupted"], code: ExitCode.interrupted };
	const failure = cause.reasons.find((r) => r._tag === "Fail");
	if (failure !== undefined) return { lines: [errorLine(failure.error)], code: exitCodeOf(failure.error) };
	const defect = cause.reasons.find((r) => r._tag === "Die");
	// a typed input error thrown from synchronous code (a chat template that cannot render a prompt)
	if (exitCodeOf(defect?.defect) === ExitCode.input)
		return { lines: [errorLine(defect?.defect)], code: ExitCode.input };
	const memory = outOfMemory(defect?.defect);
	if (memory !== undefined) {
		const line = errorLine(memory);
		return { lines: debug ? [line, Cause.pretty(cause)] : [line], code: ExitCode.failure };
	}
	const line = `${errorLine(defect?.defect ?? "unknown failure")} (an internal error; STEPWISE_DEBUG=1 shows where)`;
	return { lines: debug ? [line, Cause.pretty(cause)] : [line], code: ExitCode.failure };
};

/**
 * A training step or a result went non-finite (NaN or ±Infinity): a loss, the weights about to be
 * saved, an advantage. `what` names the quantity; the message also names the config key most likely at fault.
 */
export class NonFiniteError extends Schema.TaggedError<NonFiniteError>()("NonFiniteError", {
	what: Schema.String,
	message: Schema.String,
}) {}

/** Another live process holds the run directory's lock (`path` is the lock file). */
export class RunLockedError extends Schema.TaggedError<RunLockedError>()("RunLockedError", {
	path: Schema.String,
	message: Schema.String,
}) {}

/** The rollout worker threads could not start (`rollout.workers`): a runtime failure. */
export class RolloutWorkersError extends Schema.TaggedError<RolloutWorkersError>()("RolloutWorkersError", {
	message: Schema.String,
}) {}
