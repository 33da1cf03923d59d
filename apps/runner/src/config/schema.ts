import { LORA_TARGETS } from "@stepwise/core/hf/lora";
import { creditMethodNames, spaReleased } from "@stepwise/rewards";
import { Schema } from "effect";

const PosInt = Schema.Int.check(Schema.isGreaterThan(0));
const NonNegInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0));
const Positive = Schema.Finite.check(Schema.isGreaterThan(0));
const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0));
/** A probability that is never certain: 0 ≤ p < 1. */
const Probability = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThan(1));
/**
 * A task count from 1 to `max`: the bounds keep a typo (an extra zero or three) from filling the
 * machine's memory with demonstrations or episode outcomes before the first result.
 */
const Count = (max: number) => Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: max }));
/** A tokenizer's vocabulary size: at least its 7 specials and 256 byte tokens. */
const VocabSize = Schema.Int.check(Schema.isBetween({ minimum: 263, maximum: 65_536 }));

/**
 * Training methods that run a credit method of `@stepwise/rewards` under another name and default
 * options: `ppo` is verl-agent's PPO, the `gae` method with each step row carrying the episode
 * outcome minus the invalid penalty (its own sequence, so γ = λ = 1 gives A = e − V), and stands in
 * for `gae` (`replaces`); `spa-released` is SPA's released offline recipe (leave-one-out outcome,
 * +0.5 grounding bonus, StepTool weights), meant for `train.data=exploration`.
 */
export const methodAliases: Readonly<
	Record<
		string,
		{
			readonly method: string;
			readonly config: Readonly<Record<string, unknown>>;
			readonly replaces?: boolean;
		}
	>
> = {
	ppo: { method: "gae", config: { rewards: "episode", sequence: "row" }, replaces: true },
	"spa-released": { method: "spa", config: spaReleased },
};

/**
 * The RL methods of `stepwise train --method`: every registered credit method of
 * `@stepwise/rewards` (grpo, rloo, gigpo, rewardflow, spa, and any method added there or with
 * `registerCreditMethod`), the aliases (`ppo` for `gae`) and `mix`.
 */
export const trainMethodNames = (): ReadonlyArray<string> => {
	const aliased = new Set(
		Object.values(methodAliases)
			.filter((a) => a.replaces === true)
			.map((a) => a.method),
	);
	return [...creditMethodNames().filter((m) => !aliased.has(m)), ...Object.keys(methodAliases), "mix"];
};

/** A name of {@link trainMethodNames} (checked when a config is decoded, so methods registered at run time count). */
export const TrainMethod = Schema.String.check(
	Schema.makeFilter((name: string) =>
		trainMethodNames().includes(name) ? undefined : `expected one of ${trainMethodNames().join(", ")}, got "${name}"`,
	),
);
export type TrainMethod = typeof TrainMethod.Type;

/**
 * The run config: every command reads it (YAML file + dotted overrides over {@link defaultConfig}),
 * and the resolved value is saved as the run's `config.yaml`.
 */
export const RunConfig = Schema.Struct({
	/** Seed of everything random: tasks, initialisation, sampling, batch order. */
	seed: Schema.Int,
	/** Compute backend request (`auto`, `wasm`, `cpu`, `tensorflow`, `tensorflow-gpu`); `STEPWISE_BACKEND` wins when set. */
	backend: Schema.String,
	/** Where run directories are created. */
	runsDir: Schema.String,
	env: Schema.Struct({
		/**
		 * An environment plugin to register beside the built-in five, as an entry point (Gymnasium's
		 * `module:export`): a package (`@scope/env-x`) or a file (`./my-env.ts`) whose `layer` (or the
		 * named export: a Layer from `registerEnv`, or the `EnvPlugin`) registers it. Empty: none.
		 */
		plugin: Schema.String,
		/** Env spec id, e.g. `sokoban/6x6-1box-v0`. */
		spec: Schema.String,
		/** Plugin options (e.g. Sokoban `levels`, `boxes`); the plugin decodes them and names a bad one. */
		options: Schema.Record(Schema.String, Schema.Unknown),
		/** Split of the training tasks (`auto`: the spec's first split). */
		trainSplit: Schema.String,
		/** Split of the evaluation tasks (`auto`: the spec's last split). */
		evalSplit: Schema.String,
		/**
		 * Prompt style of SFT's demonstrations, the rollouts and evaluation: `step`, `chat`, `compact`
		 * (docs/environments/README.md), or `auto`: the spec's own style.
		 */
		promptStyle: Schema.Literals(["auto", "step", "chat", "compact"]),
	}),
	/** The transformer policy (vocabulary size comes from the tokenizer). */
	model: Schema.Struct({
		/**
		 * `gpt`: our decoder (LayerNorm, GELU, learned positions); `llama`: a Llama-family decoder
		 * (RMSNorm, rotary positions, SwiGLU, grouped-query attention) of the same size keys.
		 */
		arch: Schema.Literals(["gpt", "llama"]),
		/**
		 * Tokens the policy attends to at once (prompt and answer). A new run that does not set it (in
		 * its config file or a key=value argument) takes the env spec's default where the spec has one
		 * (`stepwise envs` lists them), else the value here.
		 */
		contextLength: PosInt,
		/** Width of the residual stream (embedding size). */
		dModel: PosInt,
		/** Transformer blocks. */
		nLayers: PosInt,
		/** Attention heads per block (`dModel` must be a multiple of it). */
		nHeads: PosInt,
		/** Hidden width of each block's feed-forward layer. */
		dFF: PosInt,
		/** `arch=llama`: key/value heads (grouped-query attention; 0: as many as `nHeads`). */
		nKvHeads: NonNegInt,
		/** `arch=llama`: the rotary base θ. */
		ropeTheta: Positive,
	}),
	/**
	 * LoRA adapters, used when a command starts from a Hugging Face model directory (`--policy
	 * hf:DIR`): the base weights stay frozen and only the adapters (with the value and progress heads)
	 * train. Our GPT and `model.arch=llama` trained from scratch train every weight.
	 */
	lora: Schema.Struct({
		/** Train LoRA adapters on a frozen base (false: fine-tune every weight of the Hugging Face model). */
		enabled: Schema.Boolean,
		/** Rank r of each adapter (A is r × in, B is out × r). */
		rank: PosInt,
		/** Scale numerator: the adapter's update is multiplied by `alpha / rank` (PEFT's `lora_alpha`). */
		alpha: Positive,
		/** Dropout on the adapters' inputs while training (PEFT's `lora_dropout`; masks drawn from the run's seed). */
		dropout: Probability,
		/** The projections that get adapters, by their Hugging Face names (PEFT's `target_modules`). */
		targets: Schema.Array(Schema.Literals(LORA_TARGETS)).check(Schema.isMinLength(1)),
	}),
	/** Supervised fine-tuning on expert demonstrations. */
	sft: Schema.Struct({
		/** Expert episodes of demonstrations (train split). */
		episodes: PosInt,
		/** Expert episodes held out for the validation loss (at most 50,000). */
		validationEpisodes: Count(50_000),
		/**
		 * Probability that a training episode's step takes a random admissible action instead of the
		 * expert's (DART noise): that step is not trained on, the expert's answers from the states it
		 * leads to are, so the policy learns to recover from mistakes. 0: pure expert episodes.
		 */
		demoNoise: Probability,
		/**
		 * Probability that a training episode plays, before an expert step, a command the env rejects:
		 * one admissible earlier in the episode and not now (going where the agent stands, opening what
		 * is open). Not trained on; the expert's answer from the prompt that shows the failure is, so the
		 * policy learns not to repeat a failed command. Needs envs that list admissible actions. 0: none.
		 */
		demoFailures: Probability,
		/** Most optimizer steps. */
		steps: PosInt,
		/** Training time budget in minutes (0: none). */
		minutes: NonNegative,
		/** Examples (expert steps) per optimizer step. */
		batchSize: PosInt,
		/**
		 * Examples per micro-batch: every batch is cut into micro-batches of at most this many (sizes
		 * differing by at most one) whose gradients are summed in order, so that `rollout.workers`
		 * threads can compute shares of each step. The cut depends on the batch alone, so the policy
		 * is the same with any number of workers; `batchSize` or more: one pass per batch.
		 */
		microBatchSize: PosInt,
		/** Adam learning rate (peak, after warm-up). */
		lr: Positive,
		/** Steps of linear learning-rate warm-up. */
		warmup: NonNegInt,
		/** Validation loss every this many steps; the policy kept is the one with the best validation loss. */
		evalEvery: PosInt,
		/** Early stopping: stop after this many validations without a better validation loss. */
		patience: PosInt,
		/** Learning-rate schedule after warm-up: `cosine` decays to 10 % over the step or time budget; `constant` keeps it. */
		schedule: Schema.Literals(["cosine", "constant"]),
		/** Most tokens of the tokenizer built from the demonstrations (7 specials and 256 bytes included). */
		vocabSize: VocabSize,
		/**
		 * The tokenizer's pre-tokenisation: `words` (words, single letters and digits, whitespace runs),
		 * `spaced` (a word takes the space before it, as GPT-2's does: about half the tokens on prose) or
		 * `refs` (as `spaced`, and a reference such as `#14` is one chunk, so a numbered name can be one
		 * token).
		 */
		chunking: Schema.Literals(["words", "spaced", "refs"]),
	}),
	/** Sampling of the rollouts. */
	rollout: Schema.Struct({
		/** Rollouts per task (N). */
		groupSize: PosInt,
		/** Tasks per iteration. */
		groups: PosInt,
		/** Sampling temperature of the rollouts (evaluation decodes greedily). */
		temperature: Positive,
		/** Most tokens of one answer (unset: the env spec's default, as for `model.contextLength`). */
		maxNewTokens: PosInt,
		/** Rows per generation call. */
		batchSize: PosInt,
		/**
		 * Worker threads that play a share of every batch of RL rollouts, `explore` and `eval` beside
		 * the main thread, and compute a share of every SFT step's and RL update's gradient, each with
		 * its own tfjs backend (0: all in the main thread). The trajectories and weights are the same
		 * either way.
		 */
		workers: NonNegInt,
		/**
		 * Members of every RL group that decode greedily, beside `groupSize − greedyMembers` samples
		 * (self-critical: group-relative credit then scores the greedy answer, which evaluation uses,
		 * against the samples). Must be smaller than `groupSize`.
		 */
		greedyMembers: NonNegInt,
		/**
		 * Hard-task selection (0: off): every RL iteration plays one greedy episode of `screen` fresh
		 * training tasks and trains on `groups` of the ones it failed (then, when fewer failed, on the
		 * first it won). Must be at least `groups`.
		 */
		screen: NonNegInt,
		/**
		 * Dynamic sampling (DAPO; 0: off): every RL iteration plays up to `filterRounds` rounds of
		 * `groups` fresh training tasks and trains on the first `groups` groups whose samples did not
		 * all win or all lose. Not combined with `screen`.
		 */
		filterRounds: NonNegInt,
		/** What must differ within a group that dynamic sampling keeps: `won` (success) or `score` (partial credit, e.g. WebShop). */
		filterBy: Schema.Literals(["won", "score"]),
	}),
	/** The credit method and its options. */
	method: Schema.Struct({
		/** The RL method: a credit method of `@stepwise/rewards`, `ppo` (GAE on a critic) or `mix`. */
		name: TrainMethod,
		/** Options of the credit method (e.g. `gamma` for rewardflow); unknown keys are refused. */
		config: Schema.Record(Schema.String, Schema.Unknown),
		/** With `name: mix`: weighted methods, e.g. `0.5*gigpo + 0.5*rloo`. */
		mix: Schema.String,
		/** `auto`: PPO with a critic (`critic.*`) for ppo/spa, the group-relative update otherwise. */
		trainer: Schema.Literals(["auto", "group", "ppo"]),
	}),
	/** The RL loop. */
	train: Schema.Struct({
		/**
		 * What RL trains on: `rollouts` (fresh episodes of the policy every iteration) or `exploration`
		 * (SPA's released recipe, offline: no rollouts; every iteration trains on `rollout.groups` groups
		 * of the exploration trajectories, annotated with progress for SPA, reshuffled every epoch).
		 */
		data: Schema.Literals(["rollouts", "exploration"]),
		/** RL iterations (each: `rollout.groups` tasks × `rollout.groupSize` rollouts, then an update). */
		iterations: PosInt,
		/**
		 * Stop after the iteration whose rollouts bring the run's environment steps (every step of every
		 * training episode; `charts/env_steps`) to this many (0: no budget): methods compared on equal
		 * env steps (`stepwise compare`), whatever their episode lengths. Offline iterations play none.
		 */
		envSteps: NonNegInt,
		/** Stop after the iteration that spends this many minutes of RL (0: no budget; a stopped run checkpoints, and `--resume` trains for what is left of it, so a larger value or 0 goes on). */
		minutes: NonNegative,
		/** Adam learning rate of the RL updates. */
		lr: Positive,
		/** Coefficient of the KL loss to the frozen SFT policy (0 skips the reference pass). */
		klCoef: NonNegative,
		/** Coefficient of the entropy bonus. */
		entropyCoef: NonNegative,
		/** Step rows per optimizer step of an RL update. */
		miniBatchSize: PosInt,
		/** Passes over each iteration's rows. */
		epochs: PosInt,
		/**
		 * The PPO ratio's denominator: `recompute` (the policy before this update, as verl and TRL do),
		 * `rollout` (the log-probs stored with the trajectories, of the policy that played them), or
		 * `auto`: `rollout` with `train.data=exploration`, where the clip then bounds how far RL moves
		 * from the exploration policy across iterations (recomputed, it bounds one update only, and
		 * offline SPA collapsed to 0 success), else `recompute`.
		 */
		oldLogProbs: Schema.Literals(["auto", "recompute", "rollout"]),
		/** Save `checkpoints/step_N` every this many iterations (and at the end). */
		checkpointEvery: PosInt,
		/** Held-out greedy evaluation every this many iterations (0: only at the end). */
		evalEvery: NonNegInt,
		/**
		 * Tasks of that periodic evaluation (the `eval/…` curve): `validation`, train-split tasks held out
		 * of every training stage (the SFT validation tasks), so the curve can guide choices without
		 * touching the test set; or `test`, the first tasks of `env.evalSplit`.
		 */
		evalOn: Schema.Literals(["validation", "test"]),
		/** Tasks of that periodic evaluation (at most 10,000). */
		evalTasks: Count(10_000),
		/** Dump the iteration's trajectories every this many iterations (0: never). */
		sampleEvery: NonNegInt,
		/**
		 * Optimizer steps that may be skipped for a non-finite gradient (a NaN or infinite loss; the
		 * update is left out, as verl does) before RL stops with an error: a run that keeps diverging
		 * ends instead of saving checkpoints that learn nothing.
		 */
		maxSkippedSteps: NonNegInt,
	}),
	/** The PPO critic (`ppo`, `spa`, or any method trained with `method.trainer=ppo`). */
	critic: Schema.Struct({
		/**
		 * `separate`: a copy of the SFT policy whose value head learns the returns with its own Adam
		 * (verl's critic); `shared`: the policy's own value head, its loss added to the policy loss
		 * (× 0.1) at the policy's learning rate (the value head starts at zero and barely moves).
		 */
		model: Schema.Literals(["separate", "shared"]),
		/** Adam learning rate of a separate critic. */
		lr: Positive,
		/** RL iterations at the start that train only the critic (verl's `critic_warmup`); they count in `train.iterations`. Needs `model: separate`. */
		warmup: NonNegInt,
		/**
		 * Iterations whose batches a separate critic keeps for replay (saved with the checkpoints):
		 * with `epochs` E > 1 it learns from one pass over the current batch with E − 1 batches' worth
		 * of tasks drawn from the kept ones, never from one iteration's `rollout.groups` tasks alone,
		 * which it memorises instead of learning values that carry over to new tasks.
		 */
		replay: NonNegInt,
		/** Batches' worth of rows a separate critic trains on per iteration (see `replay`; without one, passes over the iteration's rows); the extra ones train it alone. */
		epochs: PosInt,
		/** Train the critic on returns normalised by their running mean and std (its outputs mapped back before GAE). */
		normalize: Schema.Boolean,
	}),
	/** SPA's exploration and progress estimator. */
	progress: Schema.Struct({
		/** Exploration tasks (train split, from index 500,000: apart from SFT's and RL's tasks). */
		tasks: PosInt,
		/** Sampled rollouts per exploration task. */
		samples: PosInt,
		/** Passes of estimator training over the exploration trajectories. */
		epochs: PosInt,
		/** Trajectories per optimizer step of estimator training. */
		batchSize: PosInt,
		/** Adam learning rate of estimator training. */
		lr: Positive,
		/** Steps that left the env's state unchanged: contribution 0 (`zero`) or estimated as SPA does (`estimate`). */
		noOps: Schema.Literals(["zero", "estimate"]),
		/**
		 * Add c_init, the head read before the first action, to each trajectory's sum (SPA's shared
		 * first turn, its "OK" reply, plays that part): an intercept without which Σc cannot predict
		 * outcomes better than their mean.
		 */
		initial: Schema.Boolean,
	}),
	/**
	 * A served model as the policy (`--policy openai:BASE_URL#MODEL`); absent from the defaults, so
	 * runs that do not use one save the same config as before.
	 */
	openai: Schema.optionalKey(
		Schema.Struct({
			/** Bearer token (default `OPENAI_API_KEY`). */
			apiKey: Schema.optionalKey(Schema.String),
			/** Requests in flight at once (default 8). */
			concurrency: Schema.optionalKey(PosInt),
			/** Seconds one attempt may take (default 60). */
			timeoutSeconds: Schema.optionalKey(Positive),
			/** Retries of a transient failure, exponential backoff from 200 ms (default 3). */
			retries: Schema.optionalKey(NonNegInt),
		}),
	),
	/** Final evaluation. */
	eval: Schema.Struct({
		/** Tasks per seed (at most 100,000). */
		tasks: Count(100_000),
		/** Task seeds: mean ± std over them. */
		seeds: Schema.Array(Schema.Int).check(Schema.isMinLength(1)),
		/**
		 * Decoding of a model: absent or 0, greedy; above 0, sampling at this temperature, seeded by
		 * the evaluation seed (verl-agent's scripts validate with `do_sample=True`, temperature 0.4).
		 */
		temperature: Schema.optionalKey(NonNegative),
	}),
});
export type RunConfig = typeof RunConfig.Type;

/**
 * The defaults: Sokoban 6×6 with one box, a ~0.14M-parameter policy, 2,400 SFT steps on 4,000
 * expert episodes (lr 1e-3, cosine), then 150 iterations of GiGPO (`method.name=spa` runs SPA's
 * exploration, progress estimator and PPO on progress rewards). Budgets are counted in steps and
 * iterations, not minutes, so a seed gives the same run on a busy machine as on an idle one (with
 * the wall-clock budgets of earlier defaults, Sokoban SFT landed anywhere from 0.38 to 0.82 greedy
 * success depending on load: it crosses a loss plateau at a step count that the timing decided).
 * Sized for a 2-core CPU: the pipeline takes 7.5 minutes on the wasm backend and about 6 on the
 * native one, each alone on the machine (docs/results/sokoban-main-job.md).
 */
export const defaultConfig: RunConfig = {
	seed: 0,
	backend: "auto",
	runsDir: "runs",
	env: {
		plugin: "",
		spec: "sokoban/6x6-1box-v0",
		options: {},
		trainSplit: "auto",
		evalSplit: "auto",
		promptStyle: "auto",
	},
	model: { arch: "gpt", contextLength: 80, dModel: 64, nLayers: 2, nHeads: 4, dFF: 256, nKvHeads: 0, ropeTheta: 10000 },
	lora: { enabled: true, rank: 8, alpha: 16, dropout: 0, targets: [...LORA_TARGETS] },
	sft: {
		episodes: 4000,
		validationEpisodes: 200,
		demoNoise: 0,
		demoFailures: 0,
		steps: 2400,
		minutes: 0,
		batchSize: 32,
		// two halves of 16: the main thread and one worker each compute one
		microBatchSize: 16,
		lr: 1e-3,
		warmup: 30,
		// a validation costs about 2 s; every 200 steps gives the same policy as every 100 (the best is
		// the last step, 2,400) in 24 s less
		evalEvery: 200,
		patience: 8,
		schedule: "cosine",
		vocabSize: 1024,
		chunking: "words",
	},
	rollout: {
		groupSize: 8,
		groups: 8,
		temperature: 1,
		maxNewTokens: 4,
		batchSize: 64,
		workers: 1,
		greedyMembers: 0,
		screen: 0,
		filterRounds: 0,
		filterBy: "won",
	},
	method: { name: "gigpo", config: {}, mix: "0.5*gigpo + 0.5*grpo", trainer: "auto" },
	train: {
		data: "rollouts",
		iterations: 150,
		envSteps: 0,
		minutes: 0,
		lr: 1e-4,
		klCoef: 0.01,
		entropyCoef: 0.001,
		miniBatchSize: 256,
		epochs: 1,
		oldLogProbs: "auto",
		checkpointEvery: 10,
		evalEvery: 20,
		evalOn: "validation",
		evalTasks: 50,
		sampleEvery: 10,
		maxSkippedSteps: 20,
	},
	critic: { model: "separate", lr: 1e-3, warmup: 10, epochs: 4, replay: 16, normalize: true },
	// core's SPA bench (train-progress.ts): with c_init, 256 tasks × 4 samples (1,024 trajectories) at lr
	// 3e-4 beat predicting the mean outcome (held-out 0.086 vs 0.126); 256 trajectories did not
	progress: { tasks: 256, samples: 4, epochs: 4, batchSize: 16, lr: 3e-4, noOps: "zero", initial: true },
	// 3 × 1,000 paired tasks: RL's gain over SFT here is 1–2 points, which 3 × 100 cannot tell from noise
	eval: { tasks: 1000, seeds: [0, 1, 2] },
};

/**
 * The config with the env spec's policy defaults for `model.contextLength` and
 * `rollout.maxNewTokens` where `explicit` (the dotted keys the run's config file and key=value
 * arguments set) does not hold them: key=value or `--config` file, then the spec's default, then
 * {@link defaultConfig}.
 */
export const withSpecDefaults = (
	config: RunConfig,
	defaults: { readonly contextLength: number; readonly maxNewTokens: number } | undefined,
	explicit: ReadonlySet<string>,
): RunConfig =>
	defaults === undefined
		? config
		: {
				...config,
				model: {
					...config.model,
					contextLength: explicit.has("model.contextLength") ? config.model.contextLength : defaults.contextLength,
				},
				rollout: {
					...config.rollout,
					maxNewTokens: explicit.has("rollout.maxNewTokens") ? config.rollout.maxNewTokens : defaults.maxNewTokens,
				},
			};
