import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "@stepwise/core";
import { configToYaml } from "../config/decode.ts";
import { lineChartSvg, type Series, svgToPng } from "./plots.ts";
import { EventWriter } from "./tfevents.ts";

/** One row of `metrics.jsonl`: the iteration and `/`-namespaced scalars (`charts/success`, `losses/kl`). */
export interface MetricsRow {
	readonly iteration: number;
	readonly [key: string]: number;
}

/** SFT's rows (its loss curve, `sft/…`), apart from the RL rows a run directory can also hold. */
export const isSftRow = (row: MetricsRow): boolean => Object.keys(row).some((k) => k.startsWith("sft/"));

/** The run directory name: `<env>__<method>__<seed>__<unix seconds>`, with `/` in the env id made safe. */
export const runName = (env: string, method: string, seed: number, now = Date.now()): string =>
	`${env.replace(/[^\w.-]+/g, "-")}__${method}__${seed}__${Math.floor(now / 1000)}`;

/**
 * A run directory: `config.yaml` (the resolved config), `metrics.jsonl` (one row per iteration),
 * TensorBoard events, `trajectories/`, `checkpoints/step_N/` and `plots/` written at the end.
 */
export class RunDir {
	readonly metricsPath: string;
	readonly checkpointsDir: string;
	readonly trajectoriesDir: string;
	readonly plotsDir: string;
	private events: EventWriter | undefined;

	constructor(readonly path: string) {
		mkdirSync(path, { recursive: true });
		this.metricsPath = join(path, "metrics.jsonl");
		this.checkpointsDir = join(path, "checkpoints");
		this.trajectoriesDir = join(path, "trajectories");
		this.plotsDir = join(path, "plots");
	}

	/** Save the resolved config as `config.yaml` (atomically). */
	writeConfig(config: unknown): void {
		writeFileAtomic(join(this.path, "config.yaml"), configToYaml(config));
	}

	/** Append a metrics row to `metrics.jsonl` and the TensorBoard events. */
	log(row: MetricsRow): void {
		appendFileSync(this.metricsPath, `${JSON.stringify(row)}\n`);
		this.events ??= new EventWriter(this.path);
		const { iteration, ...scalars } = row;
		this.events.scalars(iteration, scalars);
	}

	/** The metrics rows written so far (a torn last line from a kill is ignored). */
	readMetrics(): MetricsRow[] {
		if (!existsSync(this.metricsPath)) return [];
		return readFileSync(this.metricsPath, "utf8")
			.split("\n")
			.flatMap((line) => {
				try {
					return line.trim() === "" ? [] : [JSON.parse(line) as MetricsRow];
				} catch {
					return [];
				}
			});
	}

	/**
	 * Drop a stage's rows after `iteration` (resuming from a checkpoint rewrites what came after it);
	 * rows the stage does not `own` (another stage's, e.g. SFT's loss curve in a run directory that
	 * `stepwise train` reuses) are kept. The TensorBoard event files are rebuilt from the kept rows, so
	 * no step appears twice (their wall times become the time of the rebuild).
	 */
	truncateMetrics(iteration: number, owns: (row: MetricsRow) => boolean = () => true): void {
		const kept = this.readMetrics().filter((r) => r.iteration <= iteration || !owns(r));
		writeFileAtomic(this.metricsPath, kept.map((r) => `${JSON.stringify(r)}\n`).join(""));
		for (const f of readdirSync(this.path).filter((f) => f.startsWith("events.out.tfevents.")))
			rmSync(join(this.path, f), { force: true });
		this.events = new EventWriter(this.path);
		for (const { iteration: step, ...scalars } of kept) this.events.scalars(step, scalars);
	}

	/** `checkpoints/step_N` for an iteration. */
	checkpointDir(iteration: number): string {
		return join(this.checkpointsDir, `step_${iteration}`);
	}

	/** The highest checkpoint iteration present, if any. */
	lastCheckpoint(): number | undefined {
		if (!existsSync(this.checkpointsDir)) return undefined;
		const steps = readdirSync(this.checkpointsDir)
			.map((d) => /^step_(\d+)$/.exec(d)?.[1])
			.filter((s): s is string => s !== undefined)
			.map(Number);
		return steps.length > 0 ? Math.max(...steps) : undefined;
	}

	/** Write one SVG and one PNG learning curve per metric (or per given group of metrics). */
	async writePlots(groups?: ReadonlyArray<{ readonly title: string; readonly keys: ReadonlyArray<string> }>): Promise<string[]> {
		const rows = this.readMetrics();
		const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => k !== "iteration");
		const charts = groups ?? keys.map((k) => ({ title: k, keys: [k] }));
		const written: string[] = [];
		for (const chart of charts) {
			const series: Series[] = chart.keys.map((k) => ({
				name: k,
				points: rows.filter((r) => typeof r[k] === "number").map((r) => [r.iteration, r[k] as number] as const),
			}));
			if (series.every((s) => s.points.length === 0)) continue;
			const svg = lineChartSvg(series, { title: chart.title, xLabel: "iteration" });
			const base = join(this.plotsDir, chart.title.replace(/[^\w.-]+/g, "_"));
			writeFileAtomic(`${base}.svg`, svg);
			writeFileAtomic(`${base}.png`, await svgToPng(svg));
			written.push(`${base}.svg`, `${base}.png`);
		}
		return written;
	}
}
