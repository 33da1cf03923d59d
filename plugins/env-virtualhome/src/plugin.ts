/**
 * The VirtualHome plugin: its specs and option decoding.
 *
 * Specs (all with train/test splits; `test` holds the unseen layout families):
 * - `virtualhome/spa-v0`: SPA-RL / STeCa evaluation — chat prompts, 40 steps, reward 1 on success.
 * - `virtualhome/verl-v0`: the verl-agent-style port — step prompts (history 2), 50 steps, reward ×10,
 *   invalid-format penalty 0.1.
 * - `virtualhome/compact-v0`: small-policy training — compact prompts (last action), 40 steps.
 */

import { type Env, EnvConfigError, type EnvPlugin, type EnvSpec } from "@stepwise/core/env/index";
import { Effect, Schema } from "effect";
import { makeVirtualHomeEnv } from "./env.ts";
import type { GenerateOptions } from "./generate.ts";
import { TEMPLATES, templateById } from "./tasks.ts";

const SPLITS = ["train", "test"] as const;

const DEFAULT_OPTIONS = { distractors: 12 };

/** The specs this plugin registers. */
export const virtualHomeSpecs: ReadonlyArray<EnvSpec> = [
	{
		id: "virtualhome/spa-v0",
		description: "VirtualHome household programs, SPA-RL chat style (40 steps, success 0/1)",
		maxSteps: 40,
		historyLength: 2,
		rewardScale: 1,
		invalidPenalty: 0,
		promptStyle: "chat",
		defaults: { contextLength: 1472, maxNewTokens: 52 },
		splits: [...SPLITS],
		options: DEFAULT_OPTIONS,
	},
	{
		id: "virtualhome/verl-v0",
		description: "VirtualHome household programs, verl-agent step prompts (50 steps, reward 10)",
		maxSteps: 50,
		historyLength: 2,
		rewardScale: 10,
		invalidPenalty: 0.1,
		promptStyle: "step",
		defaults: { contextLength: 768, maxNewTokens: 60 },
		splits: [...SPLITS],
		options: DEFAULT_OPTIONS,
	},
	{
		id: "virtualhome/compact-v0",
		description: "VirtualHome household programs, compact prompts for small policies (40 steps)",
		maxSteps: 40,
		// the compact prompt lists every action taken so far
		historyLength: 40,
		rewardScale: 1,
		invalidPenalty: 0.1,
		promptStyle: "compact",
		defaults: { contextLength: 192, maxNewTokens: 16 },
		splits: [...SPLITS],
		options: DEFAULT_OPTIONS,
	},
];

/** The most distractor props an apartment takes. */
export const MAX_DISTRACTORS = 60;

const Distractors = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: MAX_DISTRACTORS }));
const TemplateIds = Schema.NonEmptyArray(Schema.String);

const KNOWN_OPTIONS = new Set(["distractors", "templates"]);

/**
 * Decode a spec's options merged with overrides: `distractors` (integer 0–60, props scattered per
 * apartment, default 12) and `templates` (non-empty list of template ids, default all).
 */
export const decodeOptions = (
	spec: EnvSpec,
	overrides?: { readonly [key: string]: unknown },
): Effect.Effect<GenerateOptions, EnvConfigError> => {
	const options: Record<string, unknown> = { ...spec.options, ...overrides };
	const bad = (path: string, message: string) =>
		Effect.fail(new EnvConfigError({ specId: spec.id, path, message: `${spec.id}: option "${path}": ${message}` }));
	for (const key of Object.keys(options))
		if (!KNOWN_OPTIONS.has(key)) return bad(key, `unknown option (known: ${[...KNOWN_OPTIONS].join(", ")})`);
	const distractors = options.distractors ?? DEFAULT_OPTIONS.distractors;
	if (Schema.decodeUnknownExit(Distractors)(distractors)._tag === "Failure")
		return bad("distractors", `must be an integer in [0, ${MAX_DISTRACTORS}], got ${JSON.stringify(distractors)}`);
	let templates = TEMPLATES;
	if (options.templates !== undefined) {
		const ids = Schema.decodeUnknownExit(TemplateIds)(options.templates);
		if (ids._tag === "Failure") return bad("templates", "must be a non-empty array of template ids");
		const picked = [];
		for (const id of ids.value) {
			const t = templateById(id);
			if (t === undefined)
				return bad("templates", `unknown template "${id}" (known: ${TEMPLATES.map((x) => x.id).join(", ")})`);
			picked.push(t);
		}
		templates = picked;
	}
	return Effect.succeed({ distractors: distractors as number, templates });
};

/** The VirtualHome environment plugin. */
export const virtualHomePlugin: EnvPlugin = {
	id: "virtualhome",
	description: "VirtualHome household activity programs (SPA-RL text form) on procedural apartments",
	specs: virtualHomeSpecs,
	make: (spec, overrides): Effect.Effect<Env, EnvConfigError> =>
		Effect.map(decodeOptions(spec, overrides), (options) => makeVirtualHomeEnv(spec, options)),
};
