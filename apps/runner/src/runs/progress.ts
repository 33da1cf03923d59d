/**
 * Progress display: on a TTY a one-line bar with rate, ETA and live metrics, redrawn in place;
 * otherwise plain lines, at most one per `intervalMs` (and always the last one).
 */

export interface ProgressOptions {
	readonly label: string;
	readonly total: number;
	readonly unit?: string;
	/**
	 * How the rate reads, fixed for the display: `per-second` (`5.10 step/s`, the default) or
	 * `seconds-per` (`1.7 s/iteration`, for slow units), so that a run's lines never switch between the two.
	 */
	readonly rate?: "per-second" | "seconds-per";
	/** Units already done before this display started (a resumed run): counted, not in the rate. */
	readonly initial?: number;
	/** Defaults to `process.stderr.isTTY`. */
	readonly tty?: boolean;
	/** Minimum time between plain lines (default 10 s). */
	readonly intervalMs?: number;
	readonly write?: (text: string) => void;
	readonly now?: () => number;
}

/** `mm:ss` or `h:mm:ss`. */
export const formatDuration = (seconds: number): string => {
	if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
	const s = Math.round(seconds);
	const h = Math.floor(s / 3600);
	const mm = String(Math.floor((s % 3600) / 60)).padStart(2, "0");
	const ss = String(s % 60).padStart(2, "0");
	return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
};

const formatMetric = (v: number): string => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : String(Number(v.toPrecision(3))));

export class Progress {
	private done = 0;
	private readonly start: number;
	private lastPrint = Number.NEGATIVE_INFINITY;
	private readonly tty: boolean;
	private readonly write: (text: string) => void;
	private readonly now: () => number;

	constructor(private readonly o: ProgressOptions) {
		this.tty = o.tty ?? process.stderr.isTTY === true;
		this.write = o.write ?? ((t) => process.stderr.write(t));
		this.now = o.now ?? (() => performance.now());
		this.start = this.now();
		this.done = o.initial ?? 0;
	}

	/** The line for the current state (without control characters). */
	line(metrics: { readonly [key: string]: number } = {}): string {
		const elapsed = (this.now() - this.start) / 1000;
		const rate = elapsed > 0 ? (this.done - (this.o.initial ?? 0)) / elapsed : 0;
		const eta = rate > 0 ? (this.o.total - this.done) / rate : Number.NaN;
		const frac = this.o.total > 0 ? Math.min(1, this.done / this.o.total) : 0;
		const width = 20;
		const bar = "#".repeat(Math.round(frac * width)).padEnd(width, ".");
		const ms = Object.entries(metrics)
			.map(([k, v]) => `${k}=${formatMetric(v)}`)
			.join(" ");
		const unit = this.o.unit ?? "it";
		const speed =
			this.o.rate === "seconds-per"
				? `${rate > 0 ? (1 / rate).toFixed(2) : "--"} s/${unit}`
				: `${rate.toFixed(2)} ${unit}/s`;
		return `${this.o.label} [${bar}] ${this.done}/${this.o.total} ${speed} elapsed ${formatDuration(elapsed)} eta ${formatDuration(eta)}${ms ? ` | ${ms}` : ""}`;
	}

	/** Advance by `n` and show the metrics (off a TTY, `force` prints a line even within `intervalMs`). */
	tick(n = 1, metrics: { readonly [key: string]: number } = {}, force = false): void {
		this.done += n;
		const t = this.now();
		if (this.tty) this.write(`\r\u001b[2K${this.line(metrics)}`);
		else if (force || t - this.lastPrint >= (this.o.intervalMs ?? 10_000) || this.done >= this.o.total) {
			this.write(`${this.line(metrics)}\n`);
			this.lastPrint = t;
		}
	}

	/** End the bar's line on a TTY. */
	finish(): void {
		if (this.tty) this.write("\n");
	}
}
