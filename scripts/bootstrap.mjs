#!/usr/bin/env node
// Set-up on a machine that has only Node and npm: finds (or installs) the pinned Bun, installs the
// workspace with the frozen lockfile, then runs what was asked:
//   node scripts/bootstrap.mjs start [args…]   the main job (`stepwise pipeline` on the default; args: any command)
//   node scripts/bootstrap.mjs test            the whole test suite, ending with "N passed, N failed"
//   node scripts/bootstrap.mjs install         set-up only
//   node scripts/bootstrap.mjs run CMD [args…] a command with the pinned Bun on PATH
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pinned = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager.replace(/^bun@/, "");
const localBin = join(root, ".tools", "node_modules", ".bin");
const env = { ...process.env, PATH: `${localBin}${delimiter}${process.env.PATH ?? ""}` };

const run = (cmd, args, options = {}) => {
	const r = spawnSync(cmd, args, { cwd: root, env, stdio: "inherit", ...options });
	if (r.error) throw r.error;
	return r.status ?? 1;
};
const bunVersion = () => {
	const r = spawnSync("bun", ["--version"], { env, encoding: "utf8" });
	return r.status === 0 ? r.stdout.trim() : undefined;
};

if (bunVersion() !== pinned) {
	console.error(`[stepwise] installing bun@${pinned} into .tools/ (found ${bunVersion() ?? "no bun"})`);
	// bun's postinstall picks the binary of this platform; npm ≥ 11 asks for it to be approved (and
	// warns otherwise), so .tools/ gets a package.json that approves exactly this version
	mkdirSync(join(root, ".tools"), { recursive: true });
	writeFileSync(
		join(root, ".tools", "package.json"),
		`${JSON.stringify({ private: true, allowScripts: { [`bun@${pinned}`]: true } }, null, "\t")}\n`,
	);
	const npm = process.platform === "win32" ? "npm.cmd" : "npm";
	const status = run(npm, [
		"install",
		"--prefix",
		join(root, ".tools"),
		"--no-save",
		"--no-audit",
		"--no-fund",
		`bun@${pinned}`,
	]);
	if (status !== 0 || bunVersion() !== pinned) {
		console.error(`[stepwise] could not install bun@${pinned} with npm (exit ${status})`);
		process.exit(1);
	}
}
if (!existsSync(join(root, "node_modules", ".bin", "turbo")) || process.env.CI) {
	const status = run("bun", ["install", "--frozen-lockfile"]);
	if (status !== 0) process.exit(status);
	console.error(
		'[stepwise] workspace installed. Bun\'s "Blocked … postinstalls" above is expected: @tensorflow/tfjs-node and\n' +
			"[stepwise] tfjs-node-gpu would download libtensorflow, core-js would print a banner; nothing needs them\n" +
			"[stepwise] (`npm run setup:native` builds the optional native backend, docs/getting-started.md).",
	);
}

const [what = "start", ...rest] = process.argv.slice(2);
const commands = {
	install: () => 0,
	start: () => run("bun", ["apps/runner/src/main.ts", ...(rest.length > 0 ? rest : ["pipeline"])]),
	test: () => run("bash", ["scripts/ci-test.sh", ...rest]),
	run: () => run(rest[0], rest.slice(1)),
};
const command = commands[what];
if (command === undefined) {
	console.error(`[stepwise] unknown bootstrap command "${what}" (start, test, install, run)`);
	process.exit(2);
}
process.exit(command());
