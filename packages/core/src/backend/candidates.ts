import "@tensorflow/tfjs-backend-cpu";
import "./gradients.ts";
import * as tf from "@tensorflow/tfjs-core";
import { Data, Effect } from "effect";
import type { BackendName } from "./request.ts";
import { importTfjsNode, linkedLibrary, probeTfjsNode, type TfjsNodePackage, tfjsNodeFix } from "./tfjs-node.ts";
import { patchWasmKernels, type WasmPatch } from "./wasm-patches.ts";

/** A backend that is now active. */
export interface Activated {
	readonly name: BackendName;
	/** The npm package that provides it. */
	readonly provider: string;
	readonly wasmPatches: ReadonlyArray<WasmPatch>;
	/** Extra facts for the report (SIMD, version notes). */
	readonly notes: ReadonlyArray<string>;
}

/** Why a candidate could not be activated. */
export class CandidateFailed extends Data.TaggedError("CandidateFailed")<{
	readonly reason: string;
	readonly fix: string;
	/** The package is there but does not work: worth a warning even under `auto`. */
	readonly broken: boolean;
}> {}

/** One backend to try. */
export interface Candidate {
	/** The package tried, as shown in reports. */
	readonly label: string;
	readonly activate: Effect.Effect<Activated, CandidateFailed>;
}

const message = (error: unknown): string =>
	(error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "unknown error";

/** `tf.setBackend`, then a tiny op read back, so a backend that initialises but cannot compute fails here. */
const activate = (name: BackendName, fix: string): Effect.Effect<void, CandidateFailed> =>
	Effect.tryPromise({
		try: async () => {
			if (tf.getBackend() !== name && !(await tf.setBackend(name))) {
				throw new Error(`tf.setBackend("${name}") failed to initialise it (tfjs logged why above)`);
			}
			silenceCpuBanner();
			const probe = tf.tidy(() => tf.square(tf.scalar(3)));
			const value = probe.dataSync()[0];
			probe.dispose();
			if (value !== 9) throw new Error(`smoke test computed 3² = ${value}`);
		},
		catch: (error) => new CandidateFailed({ reason: message(error), fix, broken: true }),
	});

/**
 * The cpu backend prints "Hi, looks like you are running TensorFlow.js in Node.js…" on its first
 * tensor. It is noise for us (we choose backends deliberately), so mark it as already shown.
 */
const silenceCpuBanner = (): void => {
	if (tf.getBackend() !== "cpu") return;
	// `firstUse` is a private field of MathBackendCPU (tfjs-backend-cpu 4.22, backend_cpu.js).
	const backend = tf.backend() as unknown as { firstUse?: boolean };
	if (backend.firstUse === true) backend.firstUse = false;
};

/** `@tensorflow/tfjs-node(-gpu)`: probe, import, activate `"tensorflow"`. */
export const tfjsNodeCandidate = (packageName: TfjsNodePackage): Candidate => ({
	label: packageName,
	activate: Effect.gen(function* () {
		const probe = probeTfjsNode(packageName);
		if (probe.status === "missing") {
			return yield* new CandidateFailed({ reason: "not installed", fix: tfjsNodeFix(probe), broken: false });
		}
		if (probe.status === "unbuilt") {
			return yield* new CandidateFailed({
				reason: "installed without its native addon (install script not run)",
				fix: tfjsNodeFix(probe),
				broken: false,
			});
		}
		const fix = tfjsNodeFix(probe);
		const notes = yield* Effect.tryPromise({
			try: () => importTfjsNode(probe),
			catch: (error) => new CandidateFailed({ reason: message(error), fix, broken: true }),
		});
		yield* activate("tensorflow", fix);
		return { name: "tensorflow", provider: packageName, wasmPatches: [], notes: [linkedLibrary(probe), ...notes] };
	}),
});

/** `@tensorflow/tfjs-backend-wasm` (imported on demand) plus the Stepwise kernel patches. */
export const wasmCandidate: Candidate = {
	label: "@tensorflow/tfjs-backend-wasm",
	activate: Effect.gen(function* () {
		const fix =
			"check that node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm exist (reinstall with `bun install`).";
		// Imported lazily: importing it registers "wasm" above "cpu", after which any tensor created
		// before `await tf.setBackend(...)` throws "backend 'wasm' has not yet been initialized".
		yield* Effect.tryPromise({
			try: () => import("@tensorflow/tfjs-backend-wasm"),
			catch: (error) => new CandidateFailed({ reason: `import failed: ${message(error)}`, fix, broken: true }),
		});
		yield* activate("wasm", fix);
		const wasmPatches = yield* Effect.try({
			try: patchWasmKernels,
			catch: (error) => new CandidateFailed({ reason: `kernel patches failed: ${message(error)}`, fix, broken: true }),
		});
		const simd = yield* Effect.promise(async () => (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true);
		return { name: "wasm", provider: "@tensorflow/tfjs-backend-wasm", wasmPatches, notes: [simd ? "SIMD" : "no SIMD"] };
	}),
};

/** The pure-JS `@tensorflow/tfjs-backend-cpu` (always importable; the last resort). */
export const cpuCandidate: Candidate = {
	label: "@tensorflow/tfjs-backend-cpu",
	activate: Effect.gen(function* () {
		yield* activate("cpu", "reinstall with `bun install`.");
		return { name: "cpu", provider: "@tensorflow/tfjs-backend-cpu", wasmPatches: [], notes: [] };
	}),
};
