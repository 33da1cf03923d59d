import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HF_FIXTURES } from "./fixtures.ts";

interface Check {
	readonly dir: string;
	readonly kind: string;
	readonly architecture: string;
	readonly maxAbsLogitDiff: number;
	readonly ok: boolean;
}

describe("transformers and PEFT load what Stepwise writes (recorded by scripts/hf-fixtures.py --check)", () => {
	test("every exported model and every saved adapter gave transformers' logits within 1e-4", () => {
		const recorded = JSON.parse(readFileSync(join(HF_FIXTURES, "checks.json"), "utf8")) as { checks: Check[] };
		const byDir = new Map(recorded.checks.map((c) => [c.dir, c]));
		expect([...byDir.keys()].sort()).toEqual([
			"adapter-qwen2-sft",
			"export-llama-linear-f16",
			"export-llama3-bf16-sharded",
			"export-mistral",
			"export-qwen2-lora-merged",
			"export-scratch-llama",
		]);
		for (const c of recorded.checks) {
			expect(c.maxAbsLogitDiff).toBeLessThan(1e-4);
			expect(c.ok).toBe(true);
		}
		expect(byDir.get("adapter-qwen2-sft")?.architecture).toBe("PeftModelForCausalLM");
		expect(byDir.get("export-mistral")?.architecture).toBe("MistralForCausalLM");
		expect(byDir.get("export-qwen2-lora-merged")?.architecture).toBe("Qwen2ForCausalLM");
	});
});
