import { episodeReturn, type Trajectory } from "../trajectory/schema.ts";

/**
 * Metric names of the training loop, `/`-namespaced (TensorBoard groups by prefix):
 * `charts/…` rollout statistics, `eval/…` held-out greedy evaluation, `losses/…` update statistics,
 * `advantages/…`, `returns/…`, `perf/…` throughput and `time/…` seconds per phase.
 */
export type Metrics = Record<string, number>;

/** Rollout statistics of a set of trajectories under `prefix` (`charts` for training rollouts, `eval` for evaluation). */
export const rolloutMetrics = (trajectories: ReadonlyArray<Trajectory>, prefix = "charts"): Metrics => {
	const n = trajectories.length;
	let won = 0;
	let score = 0;
	let ret = 0;
	let steps = 0;
	let valid = 0;
	let tokens = 0;
	for (const t of trajectories) {
		if (t.won) won++;
		score += t.score;
		ret += episodeReturn(t);
		steps += t.steps.length;
		for (const s of t.steps) {
			if (s.valid) valid++;
			tokens += s.actionIds.length;
		}
	}
	const d = Math.max(1, n);
	return {
		[`${prefix}/success`]: won / d,
		[`${prefix}/score`]: score / d,
		[`${prefix}/return`]: ret / d,
		[`${prefix}/valid_action_ratio`]: steps === 0 ? 0 : valid / steps,
		[`${prefix}/episode_length`]: steps / d,
		[`${prefix}/episodes`]: n,
		[`${prefix}/generated_tokens`]: tokens,
	};
};

/**
 * How many steps' prompts generation cut to fit the context: it keeps the last
 * `contextLength − min(maxNewTokens, contextLength − 1)` prompt tokens (see `generate`). Under
 * `prefix`: `truncated_prompts`, the fraction of steps cut, and `truncated_prompt_tokens`, the mean
 * number of tokens a cut prompt lost (0 when none was). Steps without prompt ids (a remote policy) count as whole.
 */
export const truncationMetrics = (
	trajectories: ReadonlyArray<Trajectory>,
	fit: { readonly contextLength: number; readonly maxNewTokens: number },
	prefix = "charts",
): Metrics => {
	const room = fit.contextLength - Math.max(0, Math.min(fit.maxNewTokens, fit.contextLength - 1));
	let steps = 0;
	let cut = 0;
	let lost = 0;
	for (const t of trajectories)
		for (const s of t.steps) {
			steps++;
			if (s.promptIds.length > room) {
				cut++;
				lost += s.promptIds.length - room;
			}
		}
	return {
		[`${prefix}/truncated_prompts`]: steps === 0 ? 0 : cut / steps,
		[`${prefix}/truncated_prompt_tokens`]: cut === 0 ? 0 : lost / cut,
	};
};

/** Mean and sample standard deviation (0 for fewer than 2 values). */
export const meanStd = (x: ReadonlyArray<number>): { mean: number; std: number } => {
	const n = x.length;
	if (n === 0) return { mean: Number.NaN, std: Number.NaN };
	const mean = x.reduce((a, b) => a + b, 0) / n;
	const std = n < 2 ? 0 : Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
	return { mean, std };
};
