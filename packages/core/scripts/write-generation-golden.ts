/**
 * Rewrites `test/fixtures/generation-golden.json` from the golden cases on the wasm backend (run:
 * `bun scripts/write-generation-golden.ts` in packages/core), for an intended change of the model's
 * numerics only: the golden test then checks that nothing else changes them.
 */
import { writeFileSync } from "node:fs";
import { initBackend } from "../src/backend/index.ts";
import { goldenCases } from "../test/fixtures/generation-cases.ts";

await initBackend("wasm");
const out = Object.assign({}, ...goldenCases().map(([, run]) => run()));
writeFileSync(new URL("../test/fixtures/generation-golden.json", import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote ${Object.keys(out).length} cases`);
