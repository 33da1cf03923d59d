import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Effect, Schema } from "effect";
import { collectRollouts, decodeAnswer, encodePrompt, TransformerPolicy } from "../../src/policy/index.ts";
import { type PromptCodec, stepwisePromptCodec } from "../../src/policy/prompt-codec.ts";
import { formatTrajectories, parseTrajectories } from "../../src/trajectory/jsonl.ts";
import { Trajectory } from "../../src/trajectory/schema.ts";
import { corridorEnvs, corridorTokenizer, tasks, useBackend } from "./helpers.ts";

const tokenizer = corridorTokenizer();
let policy: { model: TransformerPolicy; codec: PromptCodec };

beforeAll(async () => {
	await useBackend();
	const config = { vocabSize: tokenizer.vocabSize, contextLength: 128, dModel: 32, nLayers: 1, nHeads: 2, dFF: 64 };
	policy = { model: TransformerPolicy.init(config, 0), codec: stepwisePromptCodec(tokenizer) };
});
afterAll(() => policy.model.dispose());

describe("rollout collector", () => {
	test("groups of N rollouts per task, in the trajectory schema, deterministic in the seed", () => {
		const envs = corridorEnvs(8);
		const opts = {
			tasks: tasks("train", 3),
			groupSize: 4,
			maxNewTokens: 4,
			seed: 11,
			temperature: 1.3,
			groupPrefix: "it0/",
		};
		const trajs = collectRollouts(policy, envs, opts);
		expect(trajs.length).toBe(12);
		expect(trajs.map((t) => t.groupId)).toEqual(
			["train-0-0", "train-0-1", "train-0-2"].flatMap((g) => Array(4).fill(`it0/${g}`)),
		);
		for (const t of trajs) {
			expect(Schema.decodeUnknownSync(Trajectory)(t)).toEqual(t);
			expect(t.env).toBe("corridor/len8-v0");
			const last = t.steps[t.steps.length - 1];
			expect(last?.terminated || last?.truncated).toBe(true);
			expect(t.steps.length).toBeLessThanOrEqual(20);
			if (!t.won) expect(t.steps.length).toBe(20);
			for (const s of t.steps) {
				expect(s.actionIds.length).toBe(s.logProbs.length);
				expect(s.actionIds.length).toBeLessThanOrEqual(4);
				expect(decodeAnswer(tokenizer, s.actionIds)).toBe(s.response);
				expect(s.valid).toBe(["left", "right", "wait"].includes(s.response.trim().toLowerCase()));
			}
		}
		// the first prompt of every member is the task's first observation
		const first = trajs[0]?.steps[0];
		expect(tokenizer.decode(first?.promptIds ?? [])).toBe("at 0, goal 5>");
		expect(collectRollouts(policy, corridorEnvs(8), opts)).toEqual(trajs);
		expect(collectRollouts(policy, corridorEnvs(8), { ...opts, seed: 12 })).not.toEqual(trajs);
		// JSONL round trip
		expect(Effect.runSync(parseTrajectories(formatTrajectories(trajs)))).toEqual(trajs);
	});

	test("an episode's samples do not depend on waves, batch size or a split of the batch (firstTask)", () => {
		const opts = { tasks: tasks("train", 4), groupSize: 3, maxNewTokens: 4, seed: 5, temperature: 1.5 };
		const whole = collectRollouts(policy, corridorEnvs(12), opts);
		// the members of a group sample differently
		expect(new Set(whole.slice(0, 3).map((t) => JSON.stringify(t.steps.map((s) => s.actionIds)))).size).toBe(3);
		expect(collectRollouts(policy, corridorEnvs(3), { ...opts, batchSize: 2 })).toEqual(whole);
		const [a, b] = [opts.tasks.slice(0, 1), opts.tasks.slice(1)];
		const split = [
			...collectRollouts(policy, corridorEnvs(3), { ...opts, tasks: a }),
			...collectRollouts(policy, corridorEnvs(9), { ...opts, tasks: b, firstTask: 1 }),
		];
		expect(split).toEqual(whole);
		// without firstTask the second part replays the first part's streams
		const unplaced = collectRollouts(policy, corridorEnvs(9), { ...opts, tasks: b });
		expect(unplaced).not.toEqual(whole.slice(3));
	});

	test("waves: more rollouts than envs; greedy members of a group are identical", () => {
		const trajs = collectRollouts(policy, corridorEnvs(4), {
			tasks: tasks("test", 5),
			groupSize: 2,
			greedy: true,
			maxNewTokens: 3,
		});
		expect(trajs.length).toBe(10);
		for (let g = 0; g < 5; g++) expect(trajs[2 * g + 1]?.steps).toEqual(trajs[2 * g]?.steps as never);
		expect(() => collectRollouts(policy, corridorEnvs(1), { tasks: tasks("test", 1), groupSize: 2 })).toThrow(
			/cannot hold/,
		);
	});

	test("greedyMembers: the first members of each group play the greedy episode, the others their own samples", () => {
		const opts = { tasks: tasks("train", 3), groupSize: 3, maxNewTokens: 4, seed: 4, temperature: 1.5 };
		const sampled = collectRollouts(policy, corridorEnvs(9), opts);
		const mixed = collectRollouts(policy, corridorEnvs(9), { ...opts, greedyMembers: 1 });
		const greedy = collectRollouts(policy, corridorEnvs(3), { ...opts, groupSize: 1, greedy: true });
		for (let g = 0; g < 3; g++) {
			const member = (ts: typeof mixed, k: number) => ts[3 * g + k]?.steps.map((s) => s.actionIds);
			expect(member(mixed, 0)).toEqual(greedy[g]?.steps.map((s) => s.actionIds) as never);
			expect(member(mixed, 1)).toEqual(member(sampled, 1) as never);
			expect(member(mixed, 2)).toEqual(member(sampled, 2) as never);
		}
		// the greedy member's log-probs are at the sampling temperature, as its group's samples' are
		const first = mixed[0]?.steps[0];
		const plain = greedy[0]?.steps[0];
		expect(first?.logProbs[0]).not.toBeCloseTo(plain?.logProbs[0] as number, 6);
	});

	test("chat style: answers without `Action:` are counted with skipStep and get the harness feedback", () => {
		const trajs = collectRollouts(policy, corridorEnvs(2), {
			tasks: tasks("train", 2),
			style: "chat",
			maxNewTokens: 3,
			keepPromptText: true,
			seed: 2,
		});
		for (const t of trajs) {
			for (const s of t.steps) {
				if (!/Action:/.test(s.response)) {
					expect(s.action).toBe("");
					expect(s.valid).toBe(false);
					expect(s.reward).toBe(0);
				}
				expect(s.prompt).toContain("You walk a corridor.");
			}
			// the chat transcript grows each step: the prompt of step t holds t earlier answers
			const ids = t.steps.map((s) => s.promptIds.length);
			for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1] as number);
			const second = t.steps[1];
			if (second !== undefined)
				expect(second.prompt).toContain(/Action:/.test(t.steps[0]?.response ?? "") ? "Observation: " : "Error Input.");
		}
		expect(encodePrompt(tokenizer, { style: "compact", text: "x" }).slice(-2)).toEqual([
			tokenizer.special("<assistant>"),
			tokenizer.actStart,
		]);
	});
});
