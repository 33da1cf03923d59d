#!/usr/bin/env node
// `npm run setup:native [-- --gpu] [--wheel FILE] [--force] [--offline]`: makes TensorFlow.js's native
// backend ("tensorflow", from @tensorflow/tfjs-node or, with --gpu, @tensorflow/tfjs-node-gpu) usable.
//
// 1. If the package's N-API addon is already built and loads, there is nothing to do.
// 2. The package's own install script (downloads libtensorflow 2.9.1 and a prebuilt addon; works where
//    the internet is reachable).
// 3. Otherwise a local libtensorflow: the TensorFlow wheel (`tensorflow-cpu`, or `tensorflow` for --gpu)
//    from --wheel, STEPWISE_TF_WHEEL, or `pip download` (a package mirror suffices; nothing is
//    installed into Python). The wheel is unpacked (no Python needed for that): its
//    `libtensorflow_cc.so.2` exports the C API the addon binds to. The addon's two C++ files are compiled
//    with g++ against Node's own headers and linked against that library.
// --force rebuilds a working addon; --offline skips step 2 (the download). `--gpu` follows the same
// path for @tensorflow/tfjs-node-gpu with the `tensorflow` wheel, whose library is CUDA-enabled on
// Linux (the CUDA and cuDNN libraries it loads come from their own wheels or the system).
// It writes only inside the package's folder under node_modules (`deps/`, `lib/napi-v8/`) and
// `.cache/native/`; a failure leaves no half-built addon behind, so `npm start` and `npm test` (which
// fall back to wasm) are never affected. It prints what it linked; the backend report repeats it.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
	const i = args.indexOf(name);
	return i >= 0 ? args[i + 1] : undefined;
};
const gpu = flag("--gpu");
const force = flag("--force");
const skipOwnInstall = flag("--offline");
const packageName = gpu ? "@tensorflow/tfjs-node-gpu" : "@tensorflow/tfjs-node";
const wheelProject = gpu ? "tensorflow" : "tensorflow-cpu";
const cacheDir = join(root, ".cache", "native");
/** The N-API version node-pre-gyp picks for tfjs-node 4.22 under Node ≥ 14 and Bun (its highest, 8). */
const napiDir = "napi-v8";

const say = (line) => console.error(`[setup:native] ${line}`);
const fail = (why, fix) => {
	say(`failed: ${why}`);
	if (fix) say(`to fix: ${fix}`);
	say("nothing else changed: npm start and npm test keep using the wasm backend.");
	process.exit(1);
};

/** The installed package's folder (bun links it under node_modules/.bun; resolve it as core does). */
const packageDir = () => {
	for (const base of [join(root, "packages", "core", "package.json"), join(root, "package.json")]) {
		try {
			return dirname(createRequire(base).resolve(`${packageName}/package.json`));
		} catch {}
	}
	return undefined;
};

const dir = packageDir();
if (dir === undefined)
	fail(
		`${packageName} is not installed`,
		"run `npm test` or `node scripts/bootstrap.mjs install` first (it is an optional dependency of @stepwise/core)",
	);
const addon = join(dir, "lib", napiDir, "tfjs_binding.node");
const manifestPath = join(dir, "deps", "stepwise-native.json");

/** Loads the package in a fresh Node process and reads the linked TensorFlow's version. */
const probe = () => {
	const script = `process.env.TF_CPP_MIN_LOG_LEVEL="3";const tf=require(${JSON.stringify(dir)});const b=tf.backend();const x=tf.square(tf.scalar(3)).dataSync()[0];if(x!==9)throw new Error("3²="+x);console.log(b.binding.TF_Version)`;
	const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 120_000 });
	const lines = (r.stderr ?? "").split("\n").filter((l) => /error/i.test(l));
	return r.status === 0
		? { ok: true, version: r.stdout.trim().split("\n").pop() }
		: { ok: false, why: lines[0] ?? `exit ${r.status}` };
};

const report = (how, version) => {
	const manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, "utf8")) : undefined;
	say(`${packageName}: the "tensorflow" backend works (libtensorflow ${version}, ${how}).`);
	if (manifest !== undefined) say(`linked: ${manifest.library} from ${manifest.source}`);
	say("`--backend tensorflow` (or STEPWISE_BACKEND=tensorflow) selects it; `auto` prefers it.");
};

if (existsSync(addon) && !force) {
	const p = probe();
	if (p.ok) {
		report("already set up", p.version);
		process.exit(0);
	}
	say(`the addon at ${addon} does not load (${p.why}); building it again`);
}

// 2. The package's own install (downloads; fails fast without the internet).
if (!skipOwnInstall && !existsSync(manifestPath)) {
	say(`trying ${packageName}'s own install script (it downloads libtensorflow 2.9.1)…`);
	const r = spawnSync(process.execPath, [join(dir, "scripts", "install.js"), ...(gpu ? ["gpu"] : [])], {
		cwd: dir,
		encoding: "utf8",
		timeout: 300_000,
		env: { ...process.env, npm_config_loglevel: "error" },
	});
	if (r.status === 0 && existsSync(addon)) {
		const p = probe();
		if (p.ok) {
			report("installed by the package's own script", p.version);
			process.exit(0);
		}
	}
	const lines = `${r.stderr ?? ""}${r.stdout ?? ""}`.split("\n");
	const why = lines.find((l) => /ENOTFOUND|EAI_AGAIN|ECONN|ETIMEDOUT/.test(l)) ?? lines.find((l) => /error/i.test(l));
	say(`its install did not work here (${why?.trim() ?? `exit ${r.status}`}); building from a local libtensorflow`);
	rmSync(addon, { force: true });
}

// 3a. The wheel.
const findWheel = () => {
	const given = option("--wheel") ?? process.env.STEPWISE_TF_WHEEL;
	if (given !== undefined) {
		if (!existsSync(given)) fail(`no wheel at ${given}`);
		return given;
	}
	const pattern = new RegExp(`^${wheelProject.replace("-", "_")}-[0-9.]+-.*linux.*x86_64\\.whl$`);
	const cached = existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => pattern.test(f)) : [];
	if (cached.length > 0) return join(cacheDir, cached.sort().at(-1));
	mkdirSync(cacheDir, { recursive: true });
	say(`fetching the ${wheelProject} wheel with pip (from its configured index or mirror; nothing is installed)…`);
	for (const [cmd, pre] of [
		["pip", []],
		["python3", ["-m", "pip"]],
	]) {
		const r = spawnSync(
			cmd,
			[...pre, "download", "--no-deps", "--only-binary=:all:", "--dest", cacheDir, wheelProject],
			{ encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 900_000 },
		);
		if (r.error === undefined && r.status === 0) {
			const got = readdirSync(cacheDir).filter((f) => pattern.test(f));
			if (got.length > 0) return join(cacheDir, got.sort().at(-1));
		}
		if (r.error === undefined)
			say(`${cmd} download failed: ${(r.stderr ?? "").trim().split("\n").pop() ?? `exit ${r.status}`}`);
	}
	return fail(
		`could not get a ${wheelProject} wheel`,
		`download one (e.g. \`pip download --no-deps ${wheelProject}\` on another machine) and pass --wheel FILE`,
	);
};

const wheel = findWheel();
const version = /-(\d+\.\d+\.\d+)[-.]/.exec(wheel.split("/").pop())?.[1] ?? "unknown";
say(`using ${wheel} (TensorFlow ${version})`);

// 3b. Unpack what the addon needs: the two shared libraries and the C API headers.
const requireFromPackage = createRequire(join(dir, "package.json"));
let AdmZip;
try {
	AdmZip = requireFromPackage("adm-zip");
} catch {
	fail("adm-zip (a dependency of tfjs-node) is missing", "reinstall with `bun install`");
}
const deps = join(dir, "deps");
const staging = `${deps}.staging-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
const libraries = ["libtensorflow_cc.so.2", "libtensorflow_framework.so.2"];
const headerPrefixes = [
	"tensorflow/include/tensorflow/c/",
	"tensorflow/include/tensorflow/core/platform/",
	"tensorflow/include/tsl/platform/",
	"tensorflow/include/xla/tsl/c/",
];
try {
	const zip = new AdmZip(wheel);
	let found = 0;
	for (const entry of zip.getEntries()) {
		const name = entry.entryName;
		if (entry.isDirectory) continue;
		let target;
		if (libraries.some((l) => name === `tensorflow/${l}`)) {
			target = join(staging, "lib", name.slice("tensorflow/".length));
			found++;
		} else if (headerPrefixes.some((p) => name.startsWith(p)) && /\.h$/.test(name))
			target = join(staging, "include", name.slice("tensorflow/include/".length));
		else continue;
		mkdirSync(dirname(target), { recursive: true });
		writeFileSync(target, entry.getData());
	}
	if (found !== libraries.length) fail(`${wheel} does not hold ${libraries.join(" and ")}`);
	if (!existsSync(join(staging, "include", "tensorflow", "c", "eager", "c_api.h")))
		fail(`${wheel} does not hold the TensorFlow C API headers`);
} catch (error) {
	rmSync(staging, { recursive: true, force: true });
	fail(`could not unpack ${wheel}: ${error instanceof Error ? error.message : String(error)}`);
}

// 3c. Compile and link the addon against Node's own headers.
const nodeHeaders = [join(dirname(process.execPath), "..", "include", "node"), "/usr/include/node"].find((d) =>
	existsSync(join(d, "node_api.h")),
);
if (nodeHeaders === undefined)
	fail("Node's headers (node_api.h) were not found", "install Node's development headers (e.g. Debian's libnode-dev)");
const cxx = process.env.CXX ?? "g++";
const objects = join(staging, "obj");
mkdirSync(objects, { recursive: true });
const compile = (args) => {
	const r = spawnSync(cxx, args, { encoding: "utf8" });
	if (r.error !== undefined)
		fail(`${cxx} could not be run (${r.error.message})`, "install a C++ compiler (Debian: g++)");
	if (r.status !== 0) fail(`${cxx} ${args.join(" ")}\n${r.stderr}`);
};
const flags = [
	"-std=c++17",
	"-O2",
	"-fPIC",
	"-DNAPI_VERSION=8",
	`-I${nodeHeaders}`,
	`-I${dir}`,
	`-I${join(staging, "include")}`,
];
say(`compiling the addon with ${cxx} against ${nodeHeaders}…`);
for (const file of ["tfjs_backend", "tfjs_binding"])
	compile([...flags, "-c", join(dir, "binding", `${file}.cc`), "-o", join(objects, `${file}.o`)]);
const built = join(staging, "tfjs_binding.node");
compile([
	"-shared",
	join(objects, "tfjs_backend.o"),
	join(objects, "tfjs_binding.o"),
	`-L${join(staging, "lib")}`,
	...libraries.map((l) => `-l:${l}`),
	// the addon sits in lib/napi-v8/, the libraries in deps/lib/
	"-Wl,-rpath,$ORIGIN/../../deps/lib",
	"-o",
	built,
]);

// 3d. Move into place, then check that it loads; a failure removes it again.
const sha = createHash("sha256").update(readFileSync(built)).digest("hex").slice(0, 16);
rmSync(join(staging, "obj"), { recursive: true, force: true });
writeFileSync(
	join(staging, "stepwise-native.json"),
	`${JSON.stringify(
		{
			library: "libtensorflow_cc.so.2",
			version,
			source: wheel.split("/").pop(),
			builtBy: "npm run setup:native",
			compiler: cxx,
			nodeHeaders,
			addonSha256: sha,
			builtAt: new Date().toISOString(),
		},
		null,
		2,
	)}\n`,
);
rmSync(deps, { recursive: true, force: true });
mkdirSync(join(dir, "lib", napiDir), { recursive: true });
renameSync(built, addon);
renameSync(staging, deps);
const p = probe();
if (!p.ok) {
	rmSync(addon, { force: true });
	rmSync(deps, { recursive: true, force: true });
	fail(`the built addon does not load: ${p.why}`);
}
const size = (f) => `${Math.round(statSync(f).size / 2 ** 20)} MB`;
report(`built from ${wheel.split("/").pop()}`, p.version);
say(
	`libraries in ${join(deps, "lib")} (${libraries.map((l) => size(join(deps, "lib", l))).join(" + ")}); addon ${addon}`,
);
