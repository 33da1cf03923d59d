/**
 * `bun run bench` for @stepwise/core: the policy benchmarks (model speed, collector throughput,
 * rollout workers). The RL experiments on the real environments (SFT and RL sweeps, the estimator, pass@k …) are in
 * the `@stepwise/bench` app (apps/bench/src), above the plugins: they take minutes.
 *
 *   bun run bench [--quick]
 *
 * Beside PyTorch (a Python with torch, transformers and peft): `npm run bench:torch` (our GPT) and
 * `npm run bench:hf -- --python VENV/bin/python` (a Llama-family model of Qwen2.5-0.5B's shape).
 */
import { runCollectorBench } from "./policy-collector.ts";
import { runModelBench } from "./policy-model.ts";
import { runWorkerBench } from "./policy-workers.ts";

const quick = process.argv.includes("--quick");
await runModelBench({ quick });
await runCollectorBench();
await runWorkerBench(quick ? 2 : 3);
