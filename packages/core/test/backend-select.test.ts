/**
 * Backend selection: explicit cpu/wasm, bad names, tfjs-node being unusable here, and `auto`.
 * The tests that assume tfjs-node cannot load skip themselves on a machine where it can.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs-core";
import { Effect } from "effect";
import {
	BACKEND_REQUESTS,
	BackendUnavailableError,
	currentBackendSelection,
	formatBackendSelection,
	initBackend,
	probeTfjsNode,
	resolveBackendRequest,
	selectBackend,
	TFJS_NODE_PACKAGES,
	tfjsNodeFix,
	UnknownBackendError,
	WASM_PATCHES,
} from "../src/backend/index.ts";

/** True where a tfjs-node package is installed with its addon (never on the dev/CI machines). */
const nativeMayWork = TFJS_NODE_PACKAGES.some((name) => probeTfjsNode(name).status === "present");

const failureOf = <E>(effect: Effect.Effect<unknown, E>): Promise<E> => Effect.runPromise(Effect.flip(effect));

let previousBackend: string | undefined;

beforeAll(() => {
	previousBackend = tf.getBackend() ?? undefined;
});

afterAll(async () => {
	if (previousBackend !== undefined) await tf.setBackend(previousBackend);
});

describe("resolveBackendRequest", () => {
	test("argument beats STEPWISE_BACKEND, which beats the default auto", async () => {
		const env = { STEPWISE_BACKEND: "cpu" };
		expect(await Effect.runPromise(resolveBackendRequest("wasm", env))).toEqual({
			request: "wasm",
			source: "argument",
		});
		expect(await Effect.runPromise(resolveBackendRequest(undefined, env))).toEqual({ request: "cpu", source: "env" });
		expect(await Effect.runPromise(resolveBackendRequest("  ", {}))).toEqual({ request: "auto", source: "default" });
		expect(await Effect.runPromise(resolveBackendRequest(" WASM ", {}))).toEqual({
			request: "wasm",
			source: "argument",
		});
	});

	test("an unknown name is a typed error naming it and the allowed values", async () => {
		const error = await failureOf(resolveBackendRequest(undefined, { STEPWISE_BACKEND: "gpu" }));
		expect(error).toBeInstanceOf(UnknownBackendError);
		expect(error._tag).toBe("UnknownBackendError");
		expect(error.value).toBe("gpu");
		expect(error.allowed).toEqual([...BACKEND_REQUESTS]);
		expect(error.message).toContain("STEPWISE_BACKEND=gpu");
		for (const allowed of BACKEND_REQUESTS) expect(error.message).toContain(allowed);
	});
});

describe("selectBackend", () => {
	test("cpu", async () => {
		const tensors = tf.memory().numTensors;
		const selection = await initBackend("cpu");
		expect(tf.memory().numTensors).toBe(tensors);
		expect(selection).toMatchObject({ name: "cpu", requested: "cpu", source: "argument", wasmPatches: [] });
		expect(selection.provider).toBe("@tensorflow/tfjs-backend-cpu");
		expect(tf.getBackend()).toBe("cpu");
	});

	test("wasm, with its kernel patches, read from STEPWISE_BACKEND", async () => {
		const selection = await Effect.runPromise(selectBackend(undefined, { env: { STEPWISE_BACKEND: "wasm" } }));
		expect(selection).toMatchObject({ name: "wasm", requested: "wasm", source: "env" });
		expect(selection.wasmPatches).toEqual([...WASM_PATCHES]);
		expect(tf.getBackend()).toBe("wasm");
		expect(currentBackendSelection()).toEqual(selection);
		const t = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([2, 3]), false, true));
		expect(Array.from(t.dataSync())).toEqual([3, 3, 3, 3]);
		t.dispose();
	});

	test("is idempotent and cheap for the same request", async () => {
		const first = await initBackend("wasm");
		const start = performance.now();
		const second = await initBackend("wasm");
		expect(performance.now() - start).toBeLessThan(20);
		expect(second).toBe(first);
		// Someone switching behind our back is noticed.
		await tf.setBackend("cpu");
		expect((await initBackend("wasm")).name).toBe("wasm");
		expect(tf.getBackend()).toBe("wasm");
	});

	test("an unknown name fails with UnknownBackendError (Effect and Promise APIs)", async () => {
		const error = await failureOf(selectBackend("tpu"));
		expect(error).toBeInstanceOf(UnknownBackendError);
		await expect(initBackend("tpu")).rejects.toBeInstanceOf(UnknownBackendError);
	});

	test.skipIf(nativeMayWork)(
		"tensorflow without a usable tfjs-node is a typed error saying how to fix it",
		async () => {
			const before = tf.getBackend();
			const error = await failureOf(selectBackend(undefined, { env: { STEPWISE_BACKEND: "tensorflow" } }));
			expect(error).toBeInstanceOf(BackendUnavailableError);
			if (!(error instanceof BackendUnavailableError)) return;
			expect(error.requested).toBe("tensorflow");
			expect(error.attempts.map((line) => line.split(":")[0])).toEqual([
				"@tensorflow/tfjs-node",
				"@tensorflow/tfjs-node-gpu",
			]);
			expect(error.message).toContain("STEPWISE_BACKEND=tensorflow");
			expect(error.message).toContain("To fix:");
			expect(error.message).toContain("npm run setup:native");
			expect(error.message).toContain("STEPWISE_BACKEND=wasm");
			// A failed explicit request leaves the active backend alone.
			expect(tf.getBackend()).toBe(before);
		},
	);

	test.skipIf(nativeMayWork)("tensorflow-gpu tries only tfjs-node-gpu", async () => {
		const error = await failureOf(selectBackend("tensorflow-gpu"));
		expect(error).toBeInstanceOf(BackendUnavailableError);
		if (error instanceof BackendUnavailableError) expect(error.attempts).toHaveLength(1);
		expect(error.message).toContain("@tensorflow/tfjs-node-gpu");
	});

	test.skipIf(nativeMayWork)("auto picks wasm and reports why tfjs-node was skipped", async () => {
		const selection = await initBackend(undefined, { env: {} });
		expect(selection).toMatchObject({ name: "wasm", requested: "auto", source: "default" });
		expect(selection.reasons).toHaveLength(3);
		expect(selection.reasons[0]).toStartWith("@tensorflow/tfjs-node-gpu: skipped: ");
		expect(selection.reasons[1]).toStartWith("@tensorflow/tfjs-node: skipped: ");
		expect(selection.reasons[2]).toStartWith("@tensorflow/tfjs-backend-wasm: chosen");
		const text = formatBackendSelection(selection);
		expect(text).toStartWith("compute backend: wasm (@tensorflow/tfjs-backend-wasm; requested auto by default)");
		expect(text.split("\n")).toHaveLength(4);
	});
});

describe("probeTfjsNode", () => {
	test("a missing package says where it looked and how to install it", () => {
		const probe = probeTfjsNode("@stepwise/no-such-native-backend");
		expect(probe.status).toBe("missing");
		if (probe.status === "missing") expect(probe.searched.length).toBeGreaterThan(0);
		expect(tfjsNodeFix(probe)).toContain("bun add @stepwise/no-such-native-backend");
	});

	test("the installed-but-unbuilt state (optionalDependencies with scripts blocked) is recognised", () => {
		for (const name of TFJS_NODE_PACKAGES) {
			const probe = probeTfjsNode(name);
			expect(["missing", "unbuilt", "present"]).toContain(probe.status);
			if (probe.status === "unbuilt")
				expect(tfjsNodeFix(probe)).toContain(`npm run setup:native${name.endsWith("-gpu") ? " -- --gpu" : ""}`);
		}
	});
});
