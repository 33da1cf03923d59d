/**
 * @stepwise/dashboard — `stepwise dashboard`: a local web page over a runs directory (runs table,
 * curves, per-step credit under any method, evaluations), served read-only by Bun. Loads no
 * TensorFlow.js.
 */
export * from "./api.ts";
export * from "./build.ts";
export * from "./command.ts";
export * from "./credit.ts";
export * from "./evals.ts";
export * from "./runs.ts";
export * from "./server.ts";
