/**
 * The page's build: Bun's bundler turns `src/client/` into one script and one stylesheet, in memory,
 * when the dashboard starts (nothing is committed or kept as build output). `bun run build` in this
 * package writes the same files to `dist/` to look at.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Schema } from "effect";

/** One served file. */
export interface Asset {
	readonly body: Uint8Array<ArrayBuffer>;
	readonly type: string;
}

/** The built page: `index.html`, `app.js`, `app.css` by name, and how long the build took. */
export interface Assets {
	readonly files: ReadonlyMap<string, Asset>;
	readonly ms: number;
}

/** The bundler failed (a syntax or import error in the page's sources); the message has its logs. */
export class DashboardBuildError extends Schema.TaggedError<DashboardBuildError>()("DashboardBuildError", {
	message: Schema.String,
}) {}

const clientDir = join(import.meta.dir, "client");

/** Bundle the page (minified, browser target). */
export const buildAssets = async (): Promise<Assets> => {
	const t0 = performance.now();
	const result = await Bun.build({
		entrypoints: [join(clientDir, "main.ts")],
		target: "browser",
		minify: true,
		naming: { entry: "app.[ext]", asset: "[name].[ext]" },
		define: { "process.env.NODE_ENV": '"production"' },
	});
	if (!result.success)
		throw new DashboardBuildError({ message: `dashboard build failed: ${result.logs.map(String).join("\n")}` });
	const files = new Map<string, Asset>();
	for (const out of result.outputs) {
		const name = out.path.replace(/^.*[/\\]/, "");
		files.set(name, { body: new Uint8Array(await out.arrayBuffer()), type: out.type });
	}
	files.set("index.html", {
		body: new TextEncoder().encode(readFileSync(join(clientDir, "index.html"), "utf8")),
		type: "text/html;charset=utf-8",
	});
	return { files, ms: performance.now() - t0 };
};

if (import.meta.main) {
	const { mkdirSync, writeFileSync } = await import("node:fs");
	const assets = await buildAssets();
	const out = join(import.meta.dir, "..", "dist");
	mkdirSync(out, { recursive: true });
	for (const [name, asset] of assets.files) writeFileSync(join(out, name), asset.body);
	console.log(`dashboard: built ${[...assets.files.keys()].join(", ")} into ${out} in ${assets.ms.toFixed(0)} ms`);
}
