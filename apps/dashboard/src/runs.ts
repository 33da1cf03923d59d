/**
 * The runs directory, read-only: each run's summary (the runs table) from its `config.yaml`, the
 * tail of its `metrics.jsonl` and which outputs exist, and its metrics as per-key series, parsed
 * incrementally (a file that grows is read from where the last read stopped).
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, type Stats, statSync } from "node:fs";
import { join } from "node:path";
import { Schema } from "effect";
import { parse as parseYaml } from "yaml";
import type { CreditChoice, MetricSeries, RunStatus, RunSummary } from "./api.ts";
import { scanKeys, scanSeries } from "./metrics-scan.ts";

/** The keys of a run's `config.yaml` the dashboard reads (the rest is ignored). */
export const RunConfigView = Schema.Struct({
	seed: Schema.optionalKey(Schema.Int),
	env: Schema.optionalKey(Schema.Struct({ spec: Schema.String })),
	method: Schema.optionalKey(
		Schema.Struct({
			name: Schema.String,
			config: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
			mix: Schema.optionalKey(Schema.String),
		}),
	),
	train: Schema.optionalKey(Schema.Struct({ iterations: Schema.Int })),
});
export type RunConfigView = typeof RunConfigView.Type;

const decodeConfig = Schema.decodeUnknownOption(RunConfigView);

/** A name that is one plain directory entry: no separators, no `.`/`..`, no NUL. */
export const isPlainName = (name: string): boolean =>
	name !== "" && name !== "." && name !== ".." && !/[/\\\0]/.test(name);

const statOrUndefined = (path: string): Stats | undefined => {
	try {
		return statSync(path);
	} catch {
		return undefined;
	}
};

/** The last `bytes` of a file as text (whole lines only: a partial first line is dropped). */
const readTail = (path: string, size: number, bytes = 64 * 1024): string => {
	const start = Math.max(0, size - bytes);
	const buf = Buffer.allocUnsafe(size - start);
	const fd = openSync(path, "r");
	try {
		readSync(fd, buf, 0, buf.length, start);
	} finally {
		closeSync(fd);
	}
	const text = buf.toString("utf8");
	return start === 0 ? text : text.slice(text.indexOf("\n") + 1);
};

type Row = Record<string, unknown>;

/** The parsed rows of JSONL text, last first; a torn or malformed line is skipped. */
const rowsFromEnd = function* (text: string): Generator<Row> {
	const lines = text.split("\n");
	for (let i = lines.length - 1; i >= 0; i--) {
		const line = lines[i]?.trim();
		if (!line) continue;
		try {
			const row: unknown = JSON.parse(line);
			if (typeof row === "object" && row !== null && !Array.isArray(row)) yield row as Row;
		} catch {}
	}
};

const isSftRow = (row: Row): boolean => Object.keys(row).some((k) => k.startsWith("sft/"));

/** How far a file has been read: its inode (a rewrite, e.g. a resume's truncation, starts over) and byte offset. */
interface Cursor {
	readonly ino: number;
	readonly offset: number;
}

/** The bytes appended to a file since `cursor`, up to its last complete line, and the cursor after them. */
const readNew = (
	path: string,
	cursor: Cursor | undefined,
): { readonly buf: Buffer; readonly cursor: Cursor; readonly restart: boolean } | undefined => {
	const st = statOrUndefined(path);
	if (st === undefined) return undefined;
	const restart = cursor === undefined || cursor.ino !== st.ino || st.size < cursor.offset;
	const offset = restart ? 0 : cursor.offset;
	if (st.size === offset) return { buf: Buffer.alloc(0), cursor: { ino: st.ino, offset }, restart };
	const buf = Buffer.allocUnsafe(st.size - offset);
	const fd = openSync(path, "r");
	let read: number;
	try {
		read = readSync(fd, buf, 0, buf.length, offset);
	} finally {
		closeSync(fd);
	}
	const end = buf.subarray(0, read).lastIndexOf(0x0a) + 1; // a torn last line waits for its end
	return { buf: buf.subarray(0, end), cursor: { ino: st.ino, offset: offset + end }, restart };
};

/** The metrics files of a run: RL's rows and SFT's loss curve. */
const metricsFiles = ["metrics.jsonl", join("sft-logs", "metrics.jsonl")];

/** Outputs that mark a run's stages, in pipeline order (the last one present is the run's stage). */
const stageMarks: ReadonlyArray<readonly [stage: string, exists: (dir: string, hasRl: boolean) => boolean]> = [
	["sft", (d) => existsSync(join(d, "sft")) || existsSync(join(d, "sft-logs"))],
	["explore", (d) => existsSync(join(d, "trajectories", "explore.jsonl"))],
	["progress", (d) => existsSync(join(d, "progress"))],
	["rl", (_d, hasRl) => hasRl],
	["eval", (d) => evalFiles(d).length > 0],
];

/** The output that ends a one-stage command's run (`stepwise sft|explore|progress train`), by the method in its name. */
const singleStageOutput: Readonly<Record<string, string>> = {
	sft: join("sft", "sft.json"),
	explore: join("trajectories", "explore.jsonl"),
	progress: "progress",
};

/** A run's evaluation reports (`eval.json`, `eval-sft.json`, `eval-rl.json`, …). */
export const evalFiles = (dir: string): string[] =>
	existsSync(dir) ? readdirSync(dir).filter((f) => /^eval(-[\w.-]+)?\.json$/.test(f)) : [];

/** A run's trajectory dumps (`trajectories/*.jsonl`), sorted by iteration then name. */
export const dumpFiles = (dir: string): string[] => {
	const t = join(dir, "trajectories");
	if (!existsSync(t)) return [];
	const iter = (f: string) => Number(/(\d+)/.exec(f)?.[1] ?? Number.POSITIVE_INFINITY);
	return readdirSync(t)
		.filter((f) => f.endsWith(".jsonl") && isPlainName(f))
		.sort((a, b) => iter(a) - iter(b) || a.localeCompare(b));
};

/** Options of {@link RunsIndex}. */
export interface RunsIndexOptions {
	/** A run with no write for this long that has not finished is `failed` (default 5 minutes). */
	readonly staleMs?: number;
	readonly now?: () => number;
}

/**
 * The runs under one directory. Run names come from listing the directory, and every file read is
 * a fixed name inside a listed run, so no request can name a path outside it.
 */
export class RunsIndex {
	private readonly configs = new Map<string, { mtimeMs: number; config: RunConfigView }>();
	private readonly keyIndex = new Map<string, { cursor: Cursor; keys: Set<string> }>();
	private readonly seriesIndex = new Map<string, { cursor: Cursor; x: number[]; y: number[] }>();
	private readonly staleMs: number;
	private readonly now: () => number;

	constructor(
		readonly root: string,
		options: RunsIndexOptions = {},
	) {
		this.staleMs = options.staleMs ?? 5 * 60_000;
		this.now = options.now ?? Date.now;
	}

	/** The run directories' names, sorted. */
	names(): string[] {
		if (!existsSync(this.root)) return [];
		return readdirSync(this.root, { withFileTypes: true })
			.filter((d) => d.isDirectory() && !d.name.startsWith(".") && isPlainName(d.name))
			.map((d) => d.name)
			.sort();
	}

	/** The directory of a listed run, or undefined for any other name. */
	dir(name: string): string | undefined {
		if (!isPlainName(name)) return undefined;
		const st = statOrUndefined(join(this.root, name));
		return st?.isDirectory() ? join(this.root, name) : undefined;
	}

	/** The run's `config.yaml` (the keys the dashboard reads), cached until the file changes. */
	config(name: string): RunConfigView {
		const dir = this.dir(name);
		const path = dir === undefined ? undefined : join(dir, "config.yaml");
		const st = path === undefined ? undefined : statOrUndefined(path);
		if (path === undefined || st === undefined) return {};
		const cached = this.configs.get(name);
		if (cached !== undefined && cached.mtimeMs === st.mtimeMs) return cached.config;
		let config: RunConfigView = {};
		try {
			const decoded = decodeConfig(parseYaml(readFileSync(path, "utf8")));
			if (decoded._tag === "Some") config = decoded.value;
		} catch {}
		this.configs.set(name, { mtimeMs: st.mtimeMs, config });
		return config;
	}

	/** The credit method the run trained with. */
	creditChoice(name: string): CreditChoice {
		const m = this.config(name).method;
		const [, dirMethod] = name.split("__");
		return { method: m?.name ?? dirMethod ?? "grpo", mix: m?.mix ?? null, config: m?.config ?? {} };
	}

	/** Every run's row of the runs table. */
	summaries(): RunSummary[] {
		return this.names().flatMap((n) => {
			const s = this.summary(n);
			return s === undefined ? [] : [s];
		});
	}

	/** One run's row of the runs table. */
	summary(name: string): RunSummary | undefined {
		const dir = this.dir(name);
		if (dir === undefined) return undefined;
		const config = this.config(name);
		const [dirEnv = name, dirMethod = "", dirSeed, dirTime] = name.split("__");
		const metricsPath = join(dir, "metrics.jsonl");
		const metricsStat = statOrUndefined(metricsPath);
		let iteration = 0;
		let lastSuccess: number | null = null;
		if (metricsStat !== undefined && metricsStat.size > 0) {
			for (const row of rowsFromEnd(readTail(metricsPath, metricsStat.size))) {
				if (isSftRow(row)) continue;
				if (iteration === 0 && typeof row.iteration === "number") iteration = row.iteration;
				if (typeof row["charts/success"] === "number") {
					lastSuccess = row["charts/success"];
					break;
				}
			}
		}
		const evals = evalFiles(dir);
		const stage = stageMarks.filter(([, has]) => has(dir, iteration > 0)).at(-1)?.[0] ?? "new";
		const written = [
			dir,
			metricsPath,
			join(dir, "config.yaml"),
			join(dir, "sft-logs", "metrics.jsonl"),
			join(dir, "results.md"),
			join(dir, "trajectories"),
			join(dir, "checkpoints"),
			...evals.map((f) => join(dir, f)),
		].flatMap((p) => statOrUndefined(p)?.mtimeMs ?? []);
		const updated = Math.max(...written);
		const fromName = Number(dirTime) * 1000;
		const start = Number.isFinite(fromName) && fromName > 0 ? fromName : Math.min(...written);
		const iterations = config.train?.iterations ?? null;
		const method = config.method?.name ?? dirMethod;
		const finished =
			existsSync(join(dir, "results.md")) ||
			existsSync(join(dir, "eval.json")) ||
			(iterations !== null && iteration >= iterations) ||
			(singleStageOutput[dirMethod] !== undefined && existsSync(join(dir, singleStageOutput[dirMethod])));
		const status: RunStatus = finished ? "finished" : this.now() - updated < this.staleMs ? "running" : "failed";
		const seed = config.seed ?? (dirSeed !== undefined && /^\d+$/.test(dirSeed) ? Number(dirSeed) : null);
		return {
			name,
			env: config.env?.spec ?? dirEnv,
			method,
			seed,
			stage,
			iteration,
			iterations,
			lastSuccess,
			start,
			updated,
			status,
			trajectories: dumpFiles(dir).length,
			evaluations: evals.length,
		};
	}

	/** The metric keys of one metrics file, brought up to date. */
	private fileKeys(path: string): Set<string> {
		const cached = this.keyIndex.get(path);
		const next = readNew(path, cached?.cursor);
		if (next === undefined) {
			this.keyIndex.delete(path);
			return new Set();
		}
		const keys = next.restart || cached === undefined ? new Set<string>() : cached.keys;
		scanKeys(next.buf.toString("utf8"), keys);
		this.keyIndex.set(path, { cursor: next.cursor, keys });
		return keys;
	}

	/** One key's series of one metrics file, brought up to date. */
	private fileSeries(path: string, key: string): { x: number[]; y: number[] } | undefined {
		const id = `${path}\0${key}`;
		const cached = this.seriesIndex.get(id);
		const next = readNew(path, cached?.cursor);
		if (next === undefined) {
			this.seriesIndex.delete(id);
			return undefined;
		}
		const found = scanSeries(next.buf, key);
		const series = next.restart || cached === undefined ? found : { x: cached.x, y: cached.y };
		if (series !== found)
			for (let i = 0; i < found.x.length; i++) {
				series.x.push(found.x[i] as number);
				series.y.push(found.y[i] as number);
			}
		this.seriesIndex.set(id, { cursor: next.cursor, ...series });
		return series;
	}

	/** The metric keys of some runs (union, sorted). */
	keys(names: ReadonlyArray<string>): string[] {
		const keys = new Set<string>();
		for (const n of names) {
			const dir = this.dir(n);
			if (dir !== undefined) for (const f of metricsFiles) for (const k of this.fileKeys(join(dir, f))) keys.add(k);
		}
		return [...keys].sort();
	}

	/**
	 * Series of the given keys for each run (a run without a key has none; a key in both files comes
	 * from `metrics.jsonl`), each thinned to at most `maxPoints` evenly spaced points (the last kept).
	 */
	series(
		names: ReadonlyArray<string>,
		keys: ReadonlyArray<string>,
		maxPoints = Number.POSITIVE_INFINITY,
	): MetricSeries[] {
		return names.flatMap((run) => {
			const dir = this.dir(run);
			if (dir === undefined) return [];
			return keys.flatMap((key) => {
				for (const f of metricsFiles) {
					const s = this.fileSeries(join(dir, f), key);
					if (s !== undefined && s.x.length > 0) return [{ run, key, total: s.x.length, ...thin(s, maxPoints) }];
				}
				return [];
			});
		});
	}
}

/** At most `max` points of a series, evenly spaced over its indices, first and last kept. */
export const thin = (s: { readonly x: number[]; readonly y: number[] }, max: number): { x: number[]; y: number[] } => {
	const n = s.x.length;
	if (n <= max || max < 2) return { x: s.x, y: s.y };
	const idx = Array.from({ length: max }, (_, i) => Math.round((i * (n - 1)) / (max - 1)));
	return { x: idx.map((i) => s.x[i] as number), y: idx.map((i) => s.y[i] as number) };
};
