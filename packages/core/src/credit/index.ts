/**
 * Step rows and token-level credit: the one schema of a flattened batch (`StepRows`, docs/credit/README.md)
 * that credit methods read and trainers train on, and the math that puts per-row values on action
 * tokens (broadcast, reward placement, GAE, whitening). Plain arrays, no tensors.
 */
export * from "./rows.ts";
export * from "./tokens.ts";
