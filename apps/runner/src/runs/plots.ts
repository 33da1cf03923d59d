/**
 * Learning curves as SVG (hand-written, no dependencies) and PNG (the SVG rendered by resvg).
 * One chart per metric, x = iteration, one line per series.
 */

export interface Series {
	readonly name: string;
	readonly points: ReadonlyArray<readonly [number, number]>;
	/** A shaded band around the line, as `[x, low, high]` (e.g. mean ± std over seeds). */
	readonly band?: ReadonlyArray<readonly [number, number, number]>;
}

export interface ChartOptions {
	readonly title: string;
	readonly xLabel?: string;
	readonly yLabel?: string;
	readonly width?: number;
	readonly height?: number;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"];
const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** "Nice" tick values covering [lo, hi]. */
export const niceTicks = (lo: number, hi: number, count = 5): number[] => {
	if (!(hi > lo)) return [lo];
	const raw = (hi - lo) / count;
	const mag = 10 ** Math.floor(Math.log10(raw));
	const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
	const ticks: number[] = [];
	for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
	return ticks;
};

const fmt = (v: number): string => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(4))));

/** Render a line chart as an SVG document. */
export const lineChartSvg = (series: ReadonlyArray<Series>, o: ChartOptions): string => {
	const W = o.width ?? 640;
	const H = o.height ?? 400;
	const m = { left: 64, right: 16, top: 36, bottom: 48 };
	const pts = series
		.flatMap((s) => [...s.points, ...(s.band ?? []).flatMap(([x, lo, hi]) => [[x, lo] as const, [x, hi] as const])])
		.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
	const xs = pts.map((p) => p[0]);
	const ys = pts.map((p) => p[1]);
	let [x0, x1] = [Math.min(...xs, 0), Math.max(...xs, 1)];
	let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
	if (pts.length === 0) [x0, x1, y0, y1] = [0, 1, 0, 1];
	if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
	const pad = (y1 - y0) * 0.05;
	[y0, y1] = [y0 - pad, y1 + pad];
	const sx = (x: number) => m.left + ((x - x0) / (x1 - x0 || 1)) * (W - m.left - m.right);
	const sy = (y: number) => H - m.bottom - ((y - y0) / (y1 - y0)) * (H - m.top - m.bottom);
	const out: string[] = [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
		`<rect width="${W}" height="${H}" fill="white"/>`,
		`<text x="${W / 2}" y="20" text-anchor="middle" font-size="15">${esc(o.title)}</text>`,
	];
	for (const t of niceTicks(y0, y1)) {
		out.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${sy(t)}" y2="${sy(t)}" stroke="#e5e5e5"/>`);
		out.push(`<text x="${m.left - 6}" y="${sy(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
	}
	for (const t of niceTicks(x0, x1)) {
		out.push(`<line x1="${sx(t)}" x2="${sx(t)}" y1="${H - m.bottom}" y2="${H - m.bottom + 4}" stroke="#333"/>`);
		out.push(`<text x="${sx(t)}" y="${H - m.bottom + 18}" text-anchor="middle">${fmt(t)}</text>`);
	}
	out.push(
		`<rect x="${m.left}" y="${m.top}" width="${W - m.left - m.right}" height="${H - m.top - m.bottom}" fill="none" stroke="#333"/>`,
	);
	if (o.xLabel) out.push(`<text x="${(m.left + W - m.right) / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`);
	if (o.yLabel)
		out.push(`<text transform="translate(16 ${(m.top + H - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
	series.forEach((s, i) => {
		const color = COLORS[i % COLORS.length];
		const band = (s.band ?? []).filter(([x, lo, hi]) => [x, lo, hi].every(Number.isFinite));
		if (band.length > 1) {
			const upper = band.map(([x, , hi]) => `${sx(x).toFixed(1)},${sy(hi).toFixed(1)}`);
			const lower = [...band].reverse().map(([x, lo]) => `${sx(x).toFixed(1)},${sy(lo).toFixed(1)}`);
			out.push(`<polygon fill="${color}" fill-opacity="0.15" stroke="none" points="${[...upper, ...lower].join(" ")}"/>`);
		}
		const p = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
		if (p.length > 1)
			out.push(
				`<polyline fill="none" stroke="${color}" stroke-width="2" points="${p.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ")}"/>`,
			);
		for (const [x, y] of p.length <= 40 ? p : []) out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${color}"/>`);
		out.push(`<rect x="${m.left + 10}" y="${m.top + 8 + i * 16}" width="10" height="10" fill="${color}"/>`);
		out.push(`<text x="${m.left + 26}" y="${m.top + 17 + i * 16}">${esc(s.name)}</text>`);
	});
	out.push("</svg>");
	return out.join("\n");
};

/** Render an SVG document to PNG bytes (resvg, with the system fonts). */
export const svgToPng = async (svg: string): Promise<Uint8Array> => {
	const { Resvg } = await import("@resvg/resvg-js");
	return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" } }).render().asPng();
};
