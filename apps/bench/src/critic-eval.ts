// Held-out explained variance of a saved PPO critic (docs/results/critic.md): the critic of a
// checkpoint scores episodes of tasks it never trained on (e.g. an exploration file of the SFT policy),
// or the rollouts of its own run, and says per task type how far its values sit from the returns.
// bun apps/bench/src/critic-eval.ts <checkpoint dir> <trajectories.jsonl> [first group] [end group]
//   [--max-new-tokens N]   the rollouts' rollout.maxNewTokens (default: the longest action in the file)
//   [--by-type]            a row per task type: episodes, success, mean return, mean V and mean R − V
//                          at each step's first action token, and the mean advantage PPO trains on
//                          (R − V whitened over all action tokens, as verl does) over its tokens
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { groupTrajectories, readTrajectories, tokenGae, whiten } from "@stepwise/core";
import {
	denormalizeValues,
	explainedVariance,
	initBackend,
	loadCheckpoint,
	scoreRows,
	toRowBatch,
} from "@stepwise/core/ml";
import { Effect } from "effect";

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
	const i = argv.indexOf(name);
	return i < 0 ? undefined : argv.splice(i, 2)[1];
};
const byType = argv.includes("--by-type");
if (byType) argv.splice(argv.indexOf("--by-type"), 1);
const maxNewTokensFlag = flag("--max-new-tokens");

await initBackend("tensorflow");
const [ckpt = "", file = "", from = "0", to = "1000000"] = argv;
const critic = await Effect.runPromise(loadCheckpoint(join(ckpt, "critic")));
const state = JSON.parse(readFileSync(join(ckpt, "state.json"), "utf8")) as {
	valueNorm?: { count: number; mean: number; variance: number };
};
const all = groupTrajectories(await Effect.runPromise(readTrajectories(file)));
const batch = { groups: all.groups.slice(Number(from), Number(to)) };
const trajectories = batch.groups.flatMap((g) => g.trajectories);
const longestAction = Math.max(1, ...trajectories.flatMap((t) => t.steps.map((s) => s.actionIds.length)));
const maxNewTokens = maxNewTokensFlag === undefined ? longestAction : Number(maxNewTokensFlag);
const rb = toRowBatch(batch, { contextLength: critic.model.config.contextLength, maxNewTokens });
// verl-agent's PPO rows: every step carries its episode's return minus 0.1 if its action was invalid
const rewards: number[] = [];
for (const t of trajectories) {
	const R = t.steps.reduce((s, x) => s + x.reward, 0);
	for (const s of t.steps) rewards.push(R - (s.valid ? 0 : 0.1));
}
const out = scoreRows(critic.model, rb, { batchSize: 64, temperature: 1, pad: critic.codec.padId }).values;
const values = state.valueNorm !== undefined ? denormalizeValues(state.valueNorm, out) : out;
const gae = tokenGae(rb.steps, rewards, values, { sequence: "row", gamma: 1, lambda: 1, layout: rb.tokenStart });
const first: number[] = [];
for (let i = 0; i < rb.rows.length; i++) first.push(rb.tokenStart[i] as number);

const whitened = whiten(gae.advantages);
const types: Record<
	string,
	{ episodes: number; won: number; rows: number; R: number; V: number; tokens: number; A: number }
> = {};
if (byType)
	trajectories.forEach((t, k) => {
		const type = t.taskType ?? "(none)";
		const e = types[type] ?? { episodes: 0, won: 0, rows: 0, R: 0, V: 0, tokens: 0, A: 0 };
		types[type] = e;
		e.episodes++;
		if (t.steps.at(-1)?.won === true) e.won++;
		for (let j = 0; j < t.steps.length; j++) {
			const at = first[(rb.trajStart[k] as number) + j] as number;
			e.rows++;
			e.R += gae.returns[at] as number;
			e.V += values[at] as number;
			const end = rb.tokenStart[(rb.trajStart[k] as number) + j + 1] as number;
			for (let i = at; i < end; i++) {
				e.tokens++;
				e.A += whitened[i] as number;
			}
		}
	});
const round = (x: number) => Math.round(x * 1000) / 1000;
console.log(
	JSON.stringify({
		checkpoint: ckpt,
		tasks: batch.groups.length,
		episodes: trajectories.length,
		rows: rb.rows.length,
		maxNewTokens,
		explainedVariance: explainedVariance(values, gae.returns),
		explainedVarianceStep: explainedVariance(
			first.map((t) => values[t] as number),
			first.map((t) => gae.returns[t] as number),
		),
		...(byType
			? {
					byType: Object.fromEntries(
						Object.entries(types)
							.sort((a, b) => a[1].won / a[1].episodes - b[1].won / b[1].episodes)
							.map(([k, e]) => [
								k,
								{
									episodes: e.episodes,
									success: round(e.won / e.episodes),
									meanReturn: round(e.R / e.rows),
									meanValue: round(e.V / e.rows),
									meanAdvantage: round((e.R - e.V) / e.rows),
									meanWhitenedAdvantage: round(e.A / e.tokens),
								},
							]),
					),
				}
			: {}),
	}),
);
