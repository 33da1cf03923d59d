/**
 * @stepwise/core — contracts and shared machinery: the environment plugin contract and registry,
 * the `checkEnv` conformance suite, trajectories and their JSONL files, step rows and token-level credit, seeded randomness and
 * atomic files. It knows no environment by name, and loads no TensorFlow.js: the compute backends,
 * the policy and the trainers are in `@stepwise/core/ml`, so environment plugins stay light.
 */
export * from "./credit/index.ts";
export * from "./env/index.ts";
export * from "./trajectory/jsonl.ts";
export * from "./trajectory/schema.ts";
export * from "./util/atomic.ts";
export * from "./util/rng.ts";
export * from "./util/schema-issue.ts";
