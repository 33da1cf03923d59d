/**
 * @stepwise/core/ml — the TensorFlow.js side of core: compute-backend selection (with the wasm
 * kernel fixes), the transformer policy (tokenizer, model, generation, checkpoints, rollout
 * collector, SFT) and the trainers (group-relative, PPO with a critic, the SPA progress estimator,
 * the training loop). Import it where models are used; importing it loads tfjs.
 */
export * from "./backend/index.ts";
export * from "./hf/index.ts";
export * from "./policy/index.ts";
export * from "./train/index.ts";
