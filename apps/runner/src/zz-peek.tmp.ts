import { EpisodeMemory, type ResetRequest } from "@stepwise/core";
import { initBackend } from "@stepwise/core/backend/index";
import { collectRollouts, loadCheckpoint, makeEnvs } from "@stepwise/core/policy/index";
import { searchPlugin } from "@stepwise/env-search";
import { Effect } from "effect";

await initBackend("tensorflow");
const spec = searchPlugin.specs.find((s) => s.id === "search/numbered-v0")!;
const envs = Effect.runSync(makeEnvs(searchPlugin, spec, 40));
const tasks: ResetRequest[] = Array.from({ length: 40 }, (_, i) => ({ seed: 0, split: "test", index: i }));
const ck = await Effect.runPromise(loadCheckpoint(process.argv[2]!));
const trajs = collectRollouts({ model: ck.model, codec: ck.codec }, envs, {
	tasks,
	greedy: true,
	maxNewTokens: 16,
	batchSize: 40,
	seed: 1,
});
const env = Effect.runSync(searchPlugin.make(spec, {}));
let shown = 0;
for (const t of trajs) {
	if (t.won || (t.taskType !== "bridge" && t.taskType !== "three-hop") || shown++ >= 4) continue;
	console.log("=== ", t.taskType);
	const r0 = env.reset({ seed: 0, split: "test", index: t.index });
	const memory = new EpisodeMemory(r0.task, r0.observation);
	for (const s of t.steps) {
		const p = env.prompts.compact(memory.stepContext(4, undefined));
		const obs = memory.observation;
		const ex = env.expertAction();
		const r = env.step(s.action);
		memory.record({ observation: obs, action: s.action, response: s.response, nextObservation: r.observation });
		console.log(`${p} ${JSON.stringify(s.response)} (expert ${ex})\n--`);
	}
}
