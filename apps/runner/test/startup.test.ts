import { describe, expect, test } from "bun:test";
import { join } from "node:path";

const main = join(import.meta.dir, "..", "src", "main.ts");

describe("start-up", () => {
	test("loading the CLI loads no TensorFlow.js: --help, credit and envs start without it", async () => {
		const script = `await import(${JSON.stringify(main)}); console.log(Object.keys(require.cache).filter((k) => k.includes("tfjs")).length);`;
		const p = Bun.spawn(["bun", "-e", script], { stdout: "pipe", stderr: "inherit" });
		const [code, out] = await Promise.all([p.exited, new Response(p.stdout).text()]);
		expect(code).toBe(0);
		expect(out.trim()).toBe("0");
	}, 30_000);
});
