import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { Schema } from "effect";

/**
 * The optional native TensorFlow packages, in `auto` order. Both register the TensorFlow.js
 * backend named `"tensorflow"`.
 *
 * They are never required, but both are listed under `optionalDependencies` of `@stepwise/core`:
 * `bun install` fetches them. Their install script would download libtensorflow 2.9.1 and the N-API
 * addon from Google's storage; the root package.json has `"trustedDependencies": []`, so bun never
 * runs it and they sit there without their addon ({@link probeTfjsNode} reports `unbuilt`).
 * `npm run setup:native` (scripts/setup-native.mjs) makes one usable: it runs the package's own
 * install where the internet is reachable, and otherwise unpacks libtensorflow and the C API headers
 * from a TensorFlow wheel (`tensorflow-cpu`, from pip's index or mirror) and compiles the addon
 * against them with g++ and Node's headers (TensorFlow 2.21 here: the addon's C API calls exist there).
 * The addon loads under both Node and Bun.
 */
export const TFJS_NODE_PACKAGES = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] as const;

/** One of {@link TFJS_NODE_PACKAGES}. */
export type TfjsNodePackage = (typeof TFJS_NODE_PACKAGES)[number];

/** What {@link probeTfjsNode} found, without importing anything. */
export type TfjsNodeProbe =
	| { readonly status: "missing"; readonly packageName: string; readonly searched: ReadonlyArray<string> }
	| { readonly status: "unbuilt"; readonly packageName: string; readonly dir: string }
	| { readonly status: "present"; readonly packageName: string; readonly dir: string; readonly entry: string };

/**
 * Where to resolve the optional packages from. With bun's isolated linker a package is visible
 * only to the workspace that depends on it, so besides this module we also look from the current
 * directory and from the entry script (e.g. an app that did `bun add @tensorflow/tfjs-node`).
 */
export const defaultSearchBases = (): ReadonlyArray<string> => {
	const bases = [fileURLToPath(import.meta.url), join(process.cwd(), "noop.js")];
	const main = process.argv[1];
	if (main) bases.push(main);
	return [...new Set(bases)];
};

const tryResolve = (base: string, specifier: string): string | undefined => {
	try {
		return createRequire(base).resolve(specifier);
	} catch {
		return undefined;
	}
};

/** True if the package folder has a built N-API addon (`lib/napi-v*\/tfjs_binding.node`). */
const hasBuiltAddon = (dir: string): boolean => {
	const lib = join(dir, "lib");
	if (!existsSync(lib)) return false;
	return readdirSync(lib).some((entry) => existsSync(join(lib, entry, "tfjs_binding.node")));
};

/** True if the package declares a node-pre-gyp addon (every tfjs-node release does). */
const declaresAddon = (dir: string): boolean => {
	try {
		const manifest: unknown = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
		return typeof manifest === "object" && manifest !== null && "binary" in manifest;
	} catch {
		return false;
	}
};

/**
 * Looks for an optional tfjs-node package without importing it. Importing an unbuilt one would
 * load all of `@tensorflow/tfjs` (layers, converter, …) before failing, so this checks first.
 */
export const probeTfjsNode = (
	packageName: string,
	searchFrom: ReadonlyArray<string> = defaultSearchBases(),
): TfjsNodeProbe => {
	for (const base of searchFrom) {
		const manifest = tryResolve(base, `${packageName}/package.json`);
		if (manifest === undefined) continue;
		const dir = dirname(manifest);
		if (declaresAddon(dir) && !hasBuiltAddon(dir)) return { status: "unbuilt", packageName, dir };
		const entry = tryResolve(base, packageName);
		if (entry !== undefined) return { status: "present", packageName, dir, entry };
	}
	return { status: "missing", packageName, searched: searchFrom.map((base) => dirname(base)) };
};

/** How to fix a probe result, as one sentence for error messages. */
export const tfjsNodeFix = (probe: TfjsNodeProbe): string => {
	const pkg = probe.packageName;
	const gpu = pkg.endsWith("-gpu");
	const setup = `run \`npm run setup:native${gpu ? " -- --gpu" : ""}\` from the repository root (it builds the addon against a local libtensorflow from the ${gpu ? "tensorflow" : "tensorflow-cpu"} wheel when the package's own download cannot run)`;
	switch (probe.status) {
		case "missing":
			return `install it (\`bun add ${pkg}\` in the package that runs training), then ${setup}.`;
		case "unbuilt":
			return `its native addon was never built (the root package.json blocks install scripts with "trustedDependencies": []): ${setup}.`;
		case "present":
			return `${setup.replace("run ", "rerun ")}${gpu ? "; the GPU build also needs CUDA and cuDNN libraries that match its TensorFlow" : ""}; if the addon fails to load under Bun, run the program with Node.`;
	}
};

/** What `npm run setup:native` records beside the libraries it unpacked (`deps/stepwise-native.json`). */
const NativeManifest = Schema.Struct({ library: Schema.String, source: Schema.String, builtBy: Schema.String });

/**
 * Which libtensorflow the active `"tensorflow"` backend runs, for the backend report: its version
 * (the addon's `TF_Version()`) and, when `npm run setup:native` built the addon, the library and
 * the wheel it came from.
 */
export const linkedLibrary = (probe: Extract<TfjsNodeProbe, { status: "present" }>): string => {
	const binding = (tf.backend() as { binding?: { TF_Version?: unknown } }).binding;
	const version = typeof binding?.TF_Version === "string" ? binding.TF_Version : "unknown version";
	let manifest: typeof NativeManifest.Type | undefined;
	try {
		manifest = Schema.decodeUnknownSync(NativeManifest)(
			JSON.parse(readFileSync(join(probe.dir, "deps", "stepwise-native.json"), "utf8")),
		);
	} catch {
		manifest = undefined;
	}
	return manifest === undefined
		? `libtensorflow ${version}`
		: `libtensorflow ${version}: ${manifest.library} from ${manifest.source}, built by \`${manifest.builtBy}\``;
};

const errorText = (error: unknown): string =>
	(error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "unknown error";

/**
 * Imports an installed tfjs-node package (which registers the `"tensorflow"` backend) and checks
 * the registration is visible to *our* `@tensorflow/tfjs-core`.
 *
 * Why one instance suffices: tfjs-core keeps its engine (`globalThis._tfengine`) and its kernel and
 * gradient registries in process-wide globals, so a backend registered by another copy of
 * tfjs-core (tfjs-node depends on `@tensorflow/tfjs` → `@tensorflow/tfjs-core`) is still found by
 * `tf.setBackend("tensorflow")` here. With the same version bun's linker even shares the files
 * (`node_modules/.bun/@tensorflow+tfjs-core@4.22.0`). A version mismatch is reported as a note.
 *
 * Sets `TF_CPP_MIN_LOG_LEVEL=2` (libtensorflow's info logs off) unless already set.
 *
 * @returns notes worth reporting (e.g. a tfjs-core version mismatch); rejects if the import fails
 */
export const importTfjsNode = async (probe: Extract<TfjsNodeProbe, { status: "present" }>): Promise<string[]> => {
	process.env.TF_CPP_MIN_LOG_LEVEL ??= "2";
	let loaded: unknown;
	try {
		// A computed specifier: neither TypeScript nor bun may require this optional package.
		loaded = await import(pathToFileURL(probe.entry).href);
	} catch (error) {
		throw new Error(`import failed: ${errorText(error)}`);
	}
	if (tf.findBackendFactory("tensorflow") === null) {
		throw new Error("it loaded but registered no 'tensorflow' backend with this process's @tensorflow/tfjs-core");
	}
	const theirCore =
		typeof loaded === "object" && loaded !== null && "version_core" in loaded ? String(loaded.version_core) : undefined;
	return theirCore !== undefined && theirCore !== tf.version_core
		? [`${probe.packageName} uses @tensorflow/tfjs-core ${theirCore}, Stepwise uses ${tf.version_core}`]
		: [];
};
