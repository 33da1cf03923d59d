export * from "./check-env.ts";
export * from "./entry-point.ts";
export * from "./errors.ts";
export * from "./garbage.ts";
export * from "./prompt.ts";
export * from "./registry.ts";
export * from "./spec.ts";
export * from "./time-limit.ts";
export type * from "./types.ts";
