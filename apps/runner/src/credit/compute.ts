import {
	groupTrajectories,
	type OutputError,
	readTrajectories,
	type Trajectory,
	TrajectoryFileError,
	writeOutput,
} from "@stepwise/core";
import {
	type CreditConfigError,
	type CreditInputError,
	type CreditResult,
	creditMethodNames,
	parseMix,
	runCredit,
	runMix,
	type StepRows,
	toStepRows,
} from "@stepwise/rewards";
import { Effect, Result, Schema } from "effect";

/** What `stepwise credit` can run: any registered credit method of `@stepwise/rewards`, `ppo` (= `gae`), or a `mix`. */
export const CreditCommandMethod = Schema.Literals([...creditMethodNames(), "ppo", "mix"]);
export type CreditCommandMethod = typeof CreditCommandMethod.Type;

/** One line of a credit output file: one env step of one trajectory. */
export interface CreditRow {
	readonly groupId: string;
	readonly trajectory: string;
	readonly t: number;
	readonly action: string;
	readonly stateKey: string;
	readonly reward: number;
	readonly valid: boolean;
	readonly advantage: number;
	readonly stepReward?: number;
	readonly return?: number;
}

/** Options of {@link computeCreditRows}. */
export interface CreditRequest {
	readonly method: CreditCommandMethod;
	/** The method's config (partial; unknown keys refused by the method's schema). */
	readonly config?: { readonly [key: string]: unknown };
	/** The mix in text form (`0.5*gigpo + 0.5*spa`) when `method` is `mix`. */
	readonly mix?: string;
}

/** The credit could not be computed (bad method options, missing inputs such as SPA progress). */
export class CreditCommandError extends Schema.TaggedError<CreditCommandError>()("CreditCommandError", {
	message: Schema.String,
}) {}

const fromCredit = (e: CreditConfigError | CreditInputError): CreditCommandError =>
	new CreditCommandError({
		message: e._tag === "CreditConfigError" && e.path !== "" ? `option ${e.path}: ${e.message}` : e.message,
	});

const round = (x: number): number => (Number.isFinite(x) ? Math.round(x * 1e9) / 1e9 : x);

/** Run a method (or mix) on trajectories and give per-step rows in step-row order (group → trajectory → step). */
export const computeCreditRows = (
	trajectories: ReadonlyArray<Trajectory>,
	request: CreditRequest,
): Effect.Effect<CreditRow[], CreditCommandError> =>
	Effect.suspend(() => {
		const rows: StepRows = toStepRows(groupTrajectories(trajectories));
		let result: Result.Result<CreditResult, CreditConfigError | CreditInputError>;
		if (request.method === "mix") {
			if (request.mix === undefined || request.mix.trim() === "")
				return Effect.fail(
					new CreditCommandError({ message: "--method mix needs --mix, e.g. --mix '0.5*gigpo + 0.5*grpo'" }),
				);
			const spec = parseMix(request.mix);
			if (Result.isFailure(spec)) return Effect.fail(fromCredit(spec.failure));
			result = runMix(rows, spec.success);
		} else {
			const method = request.method === "ppo" ? "gae" : request.method;
			result = runCredit(method, rows, request.config);
		}
		if (Result.isFailure(result)) return Effect.fail(fromCredit(result.failure));
		const r = result.success;
		for (const [what, values] of [
			["advantage", r.advantages],
			["step reward", r.stepRewards],
			["return", r.returns],
		] as const) {
			const i = values === undefined ? -1 : values.findIndex((x) => !Number.isFinite(x));
			if (i >= 0)
				return Effect.fail(
					new CreditCommandError({
						message: `the ${what} of trajectory ${rows.trajIds[rows.traj[i] as number]} step ${rows.t[i]} is not finite (${values?.[i]}): its rewards are too large for float arithmetic; no output written`,
					}),
				);
		}
		const byId = new Map(trajectories.map((t) => [t.id, t]));
		const out: CreditRow[] = [];
		for (let i = 0; i < rows.size; i++) {
			const k = rows.traj[i] as number;
			const id = rows.trajIds[k] as string;
			const t = rows.t[i] as number;
			const step = byId.get(id)?.steps[t];
			out.push({
				groupId: rows.groupIds[rows.group[i] as number] as string,
				trajectory: id,
				t,
				action: rows.action[i] as string,
				stateKey: rows.anchor[i] as string,
				reward: rows.reward[i] as number,
				valid: step?.valid ?? rows.valid[i] === 1,
				advantage: round(r.advantages[i] as number),
				...(r.stepRewards !== undefined ? { stepReward: round(r.stepRewards[i] as number) } : {}),
				...(r.returns !== undefined ? { return: round(r.returns[i] as number) } : {}),
			});
		}
		return Effect.succeed(out);
	});

/** Credit rows as JSONL (one step a line). */
export const formatCreditRows = (rows: ReadonlyArray<CreditRow>): string =>
	rows.map((r) => `${JSON.stringify(r)}\n`).join("");

/**
 * Read a trajectories JSONL file, compute the credit, write the rows as JSONL atomically (temp file
 * + rename: a malformed input line or a failed method leaves no output file). A malformed line fails
 * with `TrajectoryFileError` naming its 1-based line and field.
 */
export const creditFile = (
	input: string,
	output: string,
	request: CreditRequest,
): Effect.Effect<{ rows: CreditRow[]; trajectories: number }, TrajectoryFileError | CreditCommandError | OutputError> =>
	Effect.gen(function* () {
		const trajectories = yield* readTrajectories(input);
		if (trajectories.length === 0)
			return yield* new TrajectoryFileError({
				path: input,
				line: 0,
				field: "(file)",
				message: `${input}: no trajectories`,
			});
		const rows = yield* computeCreditRows(trajectories, request);
		yield* writeOutput(output, formatCreditRows(rows));
		return { rows, trajectories: trajectories.length };
	});
