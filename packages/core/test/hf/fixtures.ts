import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The tiny random models scripts/hf-fixtures.py built with transformers, and their reference outputs. */
export const HF_FIXTURES = join(import.meta.dir, "..", "fixtures", "hf");
export const MODEL_FIXTURES = ["qwen2-f32", "llama3-bf16-sharded", "mistral-f32", "llama-linear-f16"] as const;

export interface ReferencePrompt {
	readonly ids: number[];
	readonly logits: number[][];
	readonly greedy?: number[];
	readonly greedyLogProbs?: number[];
}

export const fixtureDir = (name: string): string => join(HF_FIXTURES, name);

export const reference = (name: string): { prompts: ReferencePrompt[] } =>
	JSON.parse(readFileSync(join(HF_FIXTURES, name, "reference.json"), "utf8")) as { prompts: ReferencePrompt[] };

/** Largest absolute difference between two row-major matrices. */
export const maxAbsDiff = (a: ArrayLike<number>, b: ReadonlyArray<ReadonlyArray<number>>): number => {
	let worst = 0;
	const V = b[0]?.length ?? 0;
	for (const [t, row] of b.entries())
		for (const [j, v] of row.entries()) worst = Math.max(worst, Math.abs((a[t * V + j] as number) - v));
	return worst;
};
