import { Effect, Schema } from "effect";
import { hashSeed, Rng } from "../util/rng.ts";
import { EnvUsageError } from "./errors.ts";
import { garbageActions, mutateAction } from "./garbage.ts";
import { type EnvSpec, PromptStyle } from "./spec.ts";
import type { Env, EnvPlugin, ResetRequest, StepResult } from "./types.ts";

/** The properties `checkEnv` verifies, by name (a failure names the property broken). */
export type EnvProperty =
	| "spec-valid"
	| "reset-determinism"
	| "reset-variety"
	| "step-determinism"
	| "result-shape"
	| "usage-errors"
	| "terminated-semantics"
	| "state-key-stability"
	| "queries-pure"
	| "expert-solves"
	| "expert-admissible"
	| "action-roundtrip"
	| "garbage-actions";

export interface PropertyResult {
	readonly spec: string;
	readonly property: EnvProperty;
	readonly ok: boolean;
	readonly message: string;
}

export interface CheckEnvReport {
	readonly ok: boolean;
	readonly results: ReadonlyArray<PropertyResult>;
	/** The failed properties as lines `spec: property: message`. */
	readonly failures: ReadonlyArray<string>;
}

export interface CheckEnvOptions {
	/** Spec ids to check (default: all of the plugin's). */
	readonly specs?: ReadonlyArray<string>;
	/** Option overrides passed to `make` for every spec. */
	readonly overrides?: { readonly [key: string]: unknown };
	/** Tasks the expert must solve (default 10). */
	readonly expertTasks?: number;
	/** Least fraction of those the expert must solve (default 1). */
	readonly expertMinSuccess?: number;
	/** Garbage action strings to try (default 1000). */
	readonly garbage?: number;
	/** Episodes of random play compared for step determinism (default 3). */
	readonly randomEpisodes?: number;
	/** Seed of the whole check (default 0). */
	readonly seed?: number;
}

const StepResultSchema = Schema.Struct({
	observation: Schema.String,
	reward: Schema.Finite,
	terminated: Schema.Boolean,
	truncated: Schema.Boolean,
	info: Schema.Struct({ won: Schema.Boolean, valid: Schema.Boolean, score: Schema.Finite }),
});

class PropertyFailure extends Error {}
const fail = (message: string): never => {
	throw new PropertyFailure(message);
};
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const short = (s: string, n = 80): string => (s.length > n ? `${JSON.stringify(s.slice(0, n))}…` : JSON.stringify(s));

/** A snapshot of everything observable about an env's current state (for determinism checks). */
const snapshot = (env: Env) => ({
	key: env.stateKey(),
	admissible: env.admissibleActions(),
	expert: env.expertAction(),
});

/** Pick the next action of a seeded random walk: admissible actions and expert moves mixed. */
const randomAction = (env: Env, rng: Rng): string => {
	const admissible = env.admissibleActions();
	const expert = env.expertAction();
	if (admissible !== undefined && admissible.length > 0 && rng.chance(0.6)) return rng.pick(admissible);
	if (expert !== undefined && rng.chance(0.7)) return expert;
	return expert !== undefined ? mutateAction(expert, rng) : "";
};

/** Play a seeded random episode, returning the trace of results and state keys. */
const playRandom = (env: Env, request: ResetRequest, seed: number, maxSteps: number) => {
	const rng = new Rng(seed);
	const trace: unknown[] = [env.reset(request), snapshot(env)];
	for (let t = 0; t < maxSteps; t++) {
		const action = randomAction(env, rng);
		const r = env.step(action);
		trace.push(action, r, snapshot(env));
		if (r.terminated || r.truncated) break;
	}
	return trace;
};

const checkShape = (r: StepResult, where: string): void => {
	const decoded = Schema.decodeUnknownExit(StepResultSchema)(r);
	if (decoded._tag === "Failure") fail(`${where}: step result is malformed: ${String(decoded.cause)}`);
};

/** Expect `f` to throw `EnvUsageError`. */
const expectUsageError = (f: () => unknown, what: string): void => {
	try {
		f();
	} catch (error) {
		if (error instanceof EnvUsageError) return;
		fail(`${what} threw ${String(error)}, expected EnvUsageError`);
	}
	fail(`${what} was accepted; it must throw EnvUsageError`);
};

const checks = (
	make: () => Env,
	spec: EnvSpec,
	o: Required<Omit<CheckEnvOptions, "specs" | "overrides">>,
): Record<EnvProperty, () => string> => {
	const split = spec.splits[0];
	const req = (index: number, s = split): ResetRequest => ({ seed: o.seed, split: s, index });
	const horizon = spec.maxSteps;
	return {
		"spec-valid": () => {
			const d = Schema.decodeUnknownExit(
				Schema.Struct({ id: Schema.String, maxSteps: Schema.Int, splits: Schema.NonEmptyArray(Schema.String) }),
			)(spec);
			if (d._tag === "Failure") fail(String(d.cause));
			return `${spec.splits.length} splits, maxSteps ${spec.maxSteps}`;
		},
		"reset-determinism": () => {
			for (const s of spec.splits) {
				for (let i = 0; i < 3; i++) {
					const a = make();
					const b = make();
					const ra = a.reset(req(i, s));
					b.reset(req(i + 1, s));
					const rb = b.reset(req(i, s));
					if (!same(ra, rb)) fail(`reset(${JSON.stringify(req(i, s))}) gave different results on two instances`);
					if (!same(snapshot(a), snapshot(b)))
						fail(`reset(${JSON.stringify(req(i, s))}) left different states (stateKey/admissible/expert)`);
				}
			}
			return `${spec.splits.length * 3} tasks reset twice, identical`;
		},
		"reset-variety": () => {
			const env = make();
			const seen = new Set<string>();
			const ids = new Set<string>();
			for (let i = 0; i < 8; i++) {
				const r = env.reset(req(i));
				seen.add(JSON.stringify(r));
				ids.add(r.task.id);
				// a task id names one task: another seed that gives the same id must give the same task
				const other = env.reset({ ...req(i), seed: o.seed + 1 });
				if (other.task.id === r.task.id && !same(other, r))
					fail(`task id ${JSON.stringify(r.task.id)} names two different tasks (seeds ${o.seed} and ${o.seed + 1})`);
			}
			if (seen.size < 2) fail("8 different task indices all gave the same task");
			if (ids.size < seen.size) fail(`8 task indices gave ${seen.size} distinct tasks but ${ids.size} distinct ids`);
			return `${seen.size} distinct tasks of 8, each with its own id`;
		},
		"step-determinism": () => {
			for (let e = 0; e < o.randomEpisodes; e++) {
				const seed = hashSeed(o.seed, "walk", e);
				const ta = playRandom(make(), req(e), seed, horizon);
				const tb = playRandom(make(), req(e), seed, horizon);
				if (!same(ta, tb)) fail(`episode ${e}: the same actions from the same reset gave different results`);
			}
			return `${o.randomEpisodes} random episodes replayed identically`;
		},
		"result-shape": () => {
			const env = make();
			const rng = new Rng(hashSeed(o.seed, "shape"));
			let n = 0;
			for (let e = 0; e < 3; e++) {
				env.reset(req(e));
				for (let t = 0; t < horizon; t++) {
					const r = env.step(randomAction(env, rng));
					checkShape(r, `episode ${e} step ${t}`);
					n++;
					if (r.terminated || r.truncated) break;
				}
			}
			return `${n} step results well-formed`;
		},
		"usage-errors": () => {
			expectUsageError(() => make().step("x"), "step() before reset()");
			expectUsageError(
				() => make().reset({ seed: 0, split: "\u0000no-such-split", index: 0 }),
				"reset() with an unknown split",
			);
			return "step before reset and unknown split rejected";
		},
		"terminated-semantics": () => {
			const env = make();
			env.reset(req(0));
			let ended: StepResult | undefined;
			for (let t = 0; t < horizon * 4 && ended === undefined; t++) {
				const a = env.expertAction();
				if (a === undefined) fail(`expertAction() is undefined at step ${t} of a running episode`);
				const r = env.step(a as string);
				if (r.terminated || r.truncated) ended = r;
			}
			if (ended === undefined) return "expert did not end the episode; checked under expert-solves";
			if (ended.truncated && !ended.terminated)
				fail("the raw env truncated an episode: step limits belong to the framework's TimeLimit");
			if (ended.info.won && !ended.terminated) fail("info.won without terminated");
			if (env.expertAction() !== undefined) fail("expertAction() must be undefined after the episode ended");
			expectUsageError(() => env.step(env.admissibleActions()?.[0] ?? "x"), "step() after terminated");
			env.reset(req(0));
			env.step(env.expertAction() ?? "");
			return "terminal step rejects further steps; reset restarts";
		},
		"state-key-stability": () => {
			const env = make();
			const rng = new Rng(hashSeed(o.seed, "keys"));
			for (let e = 0; e < 3; e++) {
				env.reset(req(e));
				for (let t = 0; t < horizon; t++) {
					const k1 = env.stateKey();
					const k2 = env.stateKey();
					if (k1 !== k2) fail(`stateKey() changed between two calls with no step (${short(k1)} vs ${short(k2)})`);
					if (typeof k1 !== "string") fail("stateKey() must return a string");
					const r = env.step(randomAction(env, rng));
					if (!r.info.valid && env.stateKey() !== k1)
						fail(`an invalid action (valid=false) changed stateKey from ${short(k1)} to ${short(env.stateKey())}`);
					if (r.terminated || r.truncated) break;
				}
			}
			const a = make();
			const b = make();
			a.reset(req(1));
			b.reset(req(1));
			if (a.stateKey() !== b.stateKey()) fail("two instances reset to the same task have different stateKeys");
			return "stable across calls, instances and invalid actions";
		},
		"queries-pure": () => {
			const plain = make();
			const queried = make();
			const rng = new Rng(hashSeed(o.seed, "pure"));
			plain.reset(req(2));
			queried.reset(req(2));
			for (let t = 0; t < horizon; t++) {
				for (let q = 0; q < 3; q++) snapshot(queried);
				const action = randomAction(plain, rng);
				const ra = plain.step(action);
				const rb = queried.step(action);
				if (!same(ra, rb)) fail(`calling stateKey/admissibleActions/expertAction changed the result of step ${t}`);
				if (ra.terminated || ra.truncated) break;
			}
			return "queries leave the state unchanged";
		},
		"expert-solves": () => {
			let solved = 0;
			let steps = 0;
			const env = make();
			for (let i = 0; i < o.expertTasks; i++) {
				env.reset(req(i));
				for (let t = 0; t < horizon; t++) {
					const a = env.expertAction();
					if (a === undefined) break;
					const r = env.step(a);
					steps++;
					if (r.info.won) solved++;
					if (r.terminated || r.truncated) break;
				}
			}
			const rate = solved / o.expertTasks;
			if (rate < o.expertMinSuccess)
				fail(`expert solved ${solved}/${o.expertTasks} within ${horizon} steps (needs ${o.expertMinSuccess * 100}%)`);
			return `expert solved ${solved}/${o.expertTasks}, ${(steps / o.expertTasks).toFixed(1)} steps per task`;
		},
		"expert-admissible": () => {
			const env = make();
			let n = 0;
			for (let i = 0; i < 3; i++) {
				env.reset(req(i));
				for (let t = 0; t < horizon; t++) {
					const a = env.expertAction();
					const admissible = env.admissibleActions();
					if (a === undefined || admissible === undefined) break;
					if (!admissible.includes(a)) fail(`expert action ${short(a)} is not admissible at step ${t} of task ${i}`);
					n++;
					const r = env.step(a);
					if (!r.info.valid) fail(`expert action ${short(a)} was answered valid=false`);
					if (r.terminated || r.truncated) break;
				}
			}
			return `${n} expert actions, all admissible`;
		},
		"action-roundtrip": () => {
			const env = make();
			let n = 0;
			for (let i = 0; i < 3; i++) {
				env.reset(req(i));
				const taken: string[] = [];
				// the step an action takes from here, on a fresh instance replayed to this state
				const stepFromHere = (action: string) => {
					const twin = make();
					twin.reset(req(i));
					for (const x of taken) twin.step(x);
					return [twin.step(action), snapshot(twin)];
				};
				for (let t = 0; t < horizon; t++) {
					const a = env.expertAction();
					if (a === undefined) break;
					for (const style of PromptStyle.literals) {
						const p = env.prompts.project(env.prompts.formatAction(a, style), style);
						const where = `${style} style: project(formatAction(${short(a)})) at step ${t} of task ${i}`;
						if (p.action === undefined || !p.valid)
							fail(`${where} gave ${p.action === undefined ? "no action" : short(p.action)} (invalid)`);
						// an action the env normalises (e.g. verl-agent's lower-casing projection) must act as the expert's
						if (p.action !== a && !same(stepFromHere(p.action as string), stepFromHere(a)))
							fail(`${where} gave ${short(p.action as string)}, which the env answers differently`);
					}
					n++;
					taken.push(a);
					const r = env.step(a);
					if (r.terminated || r.truncated) break;
				}
			}
			return `${n} expert actions × ${PromptStyle.literals.length} prompt styles project back to actions that act the same`;
		},
		"garbage-actions": () => {
			const env = make();
			const rng = new Rng(hashSeed(o.seed, "garbage"));
			env.reset(req(0));
			let steps = 0;
			for (const g of garbageActions(o.garbage, o.seed + 7)) {
				if (steps++ % 50 === 0) env.reset(req(rng.int(20)));
				let r: StepResult;
				try {
					r = env.step(g);
				} catch (error) {
					return fail(`step(${short(g, 30)}) threw ${String(error)}`);
				}
				checkShape(r, `step(${short(g, 30)})`);
				if (r.info.valid) fail(`garbage action ${short(g, 30)} was answered valid=true`);
				if (r.terminated || r.truncated) env.reset(req(rng.int(20)));
			}
			let mutated = 0;
			env.reset(req(0));
			for (let i = 0; i < 200; i++) {
				const base = env.expertAction() ?? env.admissibleActions()?.[0] ?? "look";
				const r = env.step(mutateAction(base, rng));
				mutated++;
				if (r.terminated || r.truncated) env.reset(req(rng.int(20)));
			}
			return `${o.garbage} garbage strings answered valid=false; ${mutated} near-miss actions answered`;
		},
	};
};

/**
 * The conformance suite every plugin runs in its own tests (Gymnasium's `check_env`): reset-seed
 * determinism, step determinism, result shapes, usage errors, terminated/truncated semantics,
 * `stateKey` stability, pure queries, the expert solving a sample of tasks, expert admissibility,
 * `project(formatAction(a))` giving back `a` for the expert's actions in every prompt style, and
 * 1,000 garbage action strings never throwing and answered `valid = false`.
 * Each property is checked independently; the report names every broken one.
 */
export const checkEnv = (plugin: EnvPlugin, options: CheckEnvOptions = {}): Effect.Effect<CheckEnvReport> =>
	Effect.gen(function* () {
		const o = {
			expertTasks: options.expertTasks ?? 10,
			expertMinSuccess: options.expertMinSuccess ?? 1,
			garbage: options.garbage ?? 1000,
			randomEpisodes: options.randomEpisodes ?? 3,
			seed: options.seed ?? 0,
		};
		const specs = plugin.specs.filter((s) => options.specs === undefined || options.specs.includes(s.id));
		const results: PropertyResult[] = [];
		if (specs.length === 0)
			results.push({ spec: plugin.id, property: "spec-valid", ok: false, message: "no spec to check" });
		for (const spec of specs) {
			const made = yield* Effect.result(plugin.make(spec, options.overrides));
			if (made._tag === "Failure") {
				results.push({
					spec: spec.id,
					property: "spec-valid",
					ok: false,
					message: `make() failed: ${made.failure.message}`,
				});
				continue;
			}
			const make = (): Env => Effect.runSync(plugin.make(spec, options.overrides));
			for (const [property, run] of Object.entries(checks(make, spec, o)) as [EnvProperty, () => string][]) {
				try {
					results.push({ spec: spec.id, property, ok: true, message: run() });
				} catch (error) {
					const message = error instanceof PropertyFailure ? error.message : `threw ${String(error)}`;
					results.push({ spec: spec.id, property, ok: false, message });
				}
			}
		}
		const failures = results.filter((r) => !r.ok).map((r) => `${r.spec}: ${r.property}: ${r.message}`);
		return { ok: failures.length === 0, results, failures };
	});
