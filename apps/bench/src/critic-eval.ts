// Held-out explained variance of a saved PPO critic (docs/results/critic.md): the critic of a
// checkpoint scores episodes of tasks it never trained on (e.g. an exploration file of the SFT policy).
// bun apps/bench/src/critic-eval.ts <checkpoint dir> <trajectories.jsonl> [first group] [end group]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { groupTrajectories, readTrajectories, tokenGae } from "@stepwise/core";
import {
	denormalizeValues,
	explainedVariance,
	initBackend,
	loadCheckpoint,
	scoreRows,
	toRowBatch,
} from "@stepwise/core/ml";
import { Effect } from "effect";

await initBackend("tensorflow");
const [ckpt = "", file = "", from = "0", to = "1000000"] = process.argv.slice(2);
const critic = await Effect.runPromise(loadCheckpoint(join(ckpt, "critic")));
const state = JSON.parse(readFileSync(join(ckpt, "state.json"), "utf8")) as {
	valueNorm?: { count: number; mean: number; variance: number };
};
const all = groupTrajectories(await Effect.runPromise(readTrajectories(file)));
const batch = { groups: all.groups.slice(Number(from), Number(to)) };
const rb = toRowBatch(batch, { contextLength: 80, maxNewTokens: 4 });
// verl-agent's PPO rows: every step carries its episode's return minus 0.1 if its action was invalid
const rewards: number[] = [];
for (const g of batch.groups)
	for (const t of g.trajectories) {
		const R = t.steps.reduce((s, x) => s + x.reward, 0);
		for (const s of t.steps) rewards.push(R - (s.valid ? 0 : 0.1));
	}
const out = scoreRows(critic.model, rb, { batchSize: 64, temperature: 1, pad: critic.codec.padId }).values;
const values = state.valueNorm !== undefined ? denormalizeValues(state.valueNorm, out) : out;
const gae = tokenGae(rb.steps, rewards, values, { sequence: "row", gamma: 1, lambda: 1, layout: rb.tokenStart });
const first: number[] = [];
for (let i = 0; i < rb.rows.length; i++) first.push(rb.tokenStart[i] as number);
console.log(
	JSON.stringify({
		checkpoint: ckpt,
		tasks: batch.groups.length,
		episodes: batch.groups.reduce((n, g) => n + g.trajectories.length, 0),
		rows: rb.rows.length,
		explainedVariance: explainedVariance(values, gae.returns),
		explainedVarianceStep: explainedVariance(
			first.map((t) => values[t] as number),
			first.map((t) => gae.returns[t] as number),
		),
	}),
);
