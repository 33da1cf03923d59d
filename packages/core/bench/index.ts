/**
 * `bun run bench` for @stepwise/core: the policy benchmarks (model speed, collector throughput,
 * rollout workers). The RL experiments on the real environments (SFT and RL sweeps, the estimator, pass@k …) are in
 * the `@stepwise/bench` app (apps/bench/src), above the plugins: they take minutes.
 *
 *   bun run bench [--quick]
 */
import { runCollectorBench } from "./policy-collector.ts";
import { runModelBench } from "./policy-model.ts";
import { runWorkerBench } from "./policy-workers.ts";

const quick = process.argv.includes("--quick");
await runModelBench({ quick });
await runCollectorBench();
await runWorkerBench(quick ? 2 : 3);
