/**
 * The real page in headless Chromium (Debian's `chromium`, driven by playwright-core): the runs
 * table, a curve's points, the worked example's advantages and their recomputation under another
 * method, the evaluations. Saves a screenshot of each view under `test-output/`. Skipped, with a
 * message, where no Chromium is installed (`.ci/run` installs it where it can).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { buildAssets } from "../src/build.ts";
import { type Dashboard, startDashboard } from "../src/server.ts";
import { expected, makeFixtureRuns, REAL_RUN, removeFixtureRuns, SEED1_RUN, WORKED_DUMP } from "./fixtures.ts";

const CHROMIUM = process.env.STEPWISE_CHROMIUM ?? "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
	console.warn(
		`dashboard page tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set STEPWISE_CHROMIUM)`,
	);

/** Where the screenshots go. */
export const outputDir = join(import.meta.dir, "..", "test-output");

let dashboard: Dashboard;
let browser: BrowserContext;
let page: Page;
let profile: string;
let runsDir: string;

const shot = async (name: string) => {
	const path = join(outputDir, `${name}.png`);
	await page.screenshot({ path, fullPage: true });
	expect(existsSync(path)).toBe(true);
};

const open = async (hash: string, view: string) => {
	await page.goto(new URL(`/${hash}`, dashboard.url).href);
	await page.waitForSelector(`body[data-ready="${view}"]`, { timeout: 20_000 });
};

/** The advantage shown in each step cell, by episode. */
const shownAdvantages = (): Promise<Record<string, number[]>> =>
	page.$$eval(".episode", (eps) =>
		Object.fromEntries(
			eps.map((e) => [
				e.getAttribute("data-episode") ?? "",
				[...e.querySelectorAll(".step .adv")].map((a) => Number(a.textContent)),
			]),
		),
	);

const expectAdvantages = (shown: Record<string, number[]>, want: Record<string, ReadonlyArray<number>>) => {
	expect(Object.keys(shown).sort()).toEqual(Object.keys(want).sort());
	for (const [id, values] of Object.entries(want)) {
		expect(shown[id]?.length).toBe(values.length);
		values.forEach((v, t) => {
			expect(Math.abs((shown[id]?.[t] ?? Number.NaN) - v)).toBeLessThan(1e-4);
		});
	}
};

describe.skipIf(!hasChromium)("the page in headless Chromium", () => {
	beforeAll(async () => {
		mkdirSync(outputDir, { recursive: true });
		const assets = await buildAssets();
		runsDir = makeFixtureRuns();
		dashboard = await Effect.runPromise(startDashboard({ runsDir, assets }));
		profile = mkdtempSync(join(tmpdir(), "stepwise-chromium-"));
		// a fresh profile (--user-data-dir) each run
		browser = await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM,
			headless: true,
			viewport: { width: 1280, height: 800 },
			args: [
				"--no-sandbox",
				"--disable-gpu",
				"--disable-quic",
				"--no-first-run",
				"--disable-background-networking",
				"--disable-component-update",
				"--disable-sync",
			],
		});
		page = await browser.newPage();
		page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
	});

	afterAll(async () => {
		await browser?.close();
		await dashboard?.stop();
		if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
		removeFixtureRuns();
	});

	test("the runs table lists the fixture runs; filtering and sorting work", async () => {
		await open("#/runs", "runs");
		const row = page.locator(`#runs-table tr[data-run="${REAL_RUN}"]`);
		expect(await row.locator('td[data-col="method"]').textContent()).toBe("grpo");
		expect(await row.locator('td[data-col="status"]').textContent()).toBe("finished");
		expect(await row.locator('td[data-col="iteration"]').textContent()).toBe("4 / 4");
		await shot("runs");
		await page.fill("#runs-filter", "__1__");
		expect(await page.locator("#runs-table tbody tr").count()).toBe(1);
		await page.fill("#runs-filter", "");
		await page.click('th[data-key="seed"]');
		const seeds = await page.$$eval('#runs-table td[data-col="seed"]', (tds) => tds.map((t) => t.textContent));
		expect(seeds).toEqual(["1", "0"]);
		// live: a row appended to metrics.jsonl shows up without a reload
		appendFileSync(
			join(runsDir, SEED1_RUN, "metrics.jsonl"),
			`${JSON.stringify({ iteration: 5, "charts/success": 0.75 })}\n`,
		);
		await page.waitForSelector(`tr[data-run="${SEED1_RUN}"] td[data-col="iteration"]:text-is("5 / 4")`, {
			timeout: 10_000,
		});
		expect(await page.locator(`tr[data-run="${SEED1_RUN}"] td[data-col="success"]`).textContent()).toBe("0.75");
	});

	test("a curve renders one point per metrics row, and exports SVG and PNG", async () => {
		await open(`#/curves?run=${REAL_RUN}&key=charts/success`, "curves");
		await page.waitForSelector("#chart svg .mark-symbol.role-mark path");
		expect(await page.locator("#chart svg .mark-symbol.role-mark path").count()).toBe(4);
		await open(`#/curves?run=${REAL_RUN}&key=eval/success`, "curves");
		await page.waitForSelector("#chart svg .mark-symbol.role-mark path");
		expect(await page.locator("#chart svg .mark-symbol.role-mark path").count()).toBe(2);
		// two seeds: their mean and the ± std band at iterations 1–4, and seed 1's row 5 (appended by the runs test)
		await open(`#/curves?run=${REAL_RUN}&run=${SEED1_RUN}&key=charts/success&seeds=mean`, "curves");
		await page.waitForSelector("#chart svg .mark-area.role-mark path");
		expect(await page.locator("#chart svg .mark-symbol.role-mark path").count()).toBe(5);
		expect(await page.textContent("#chart-note")).toBe("5 points, mean ± std over seeds");
		const href = (await page.getAttribute("#export-svg", "href")) ?? "";
		expect(href).toStartWith("data:image/svg+xml;charset=utf-8,");
		const svg = decodeURIComponent(href.slice(href.indexOf(",") + 1));
		expect(svg).toStartWith("<svg");
		expect(svg).toContain("charts/success");
		expect(await page.getAttribute("#export-png", "href")).toStartWith("data:image/png;base64,");
		await shot("curves");
	});

	test("the trajectory view shows the worked example's advantages and recomputes them under another method", async () => {
		await open(`#/trajectories?run=${REAL_RUN}&file=${WORKED_DUMP}`, "trajectories");
		await page.waitForSelector('#view-trajectories[data-method="grpo"] .episode .step');
		expectAdvantages(await shownAdvantages(), expected.grpo);
		expect(await page.locator(".episode .grid .cell.player").count()).toBe(11);
		await page.selectOption("#traj-method", "gigpo");
		await page.waitForSelector('#view-trajectories[data-method="gigpo"] .episode .step');
		expectAdvantages(await shownAdvantages(), expected.gigpo);
		await shot("trajectories");
	});

	test("the evaluations show the SFT vs RL table, the paired comparison and each report", async () => {
		await open(`#/evals?run=${REAL_RUN}`, "evals");
		const rows = await page.$$eval("#results table tbody tr", (trs) =>
			trs.map((t) => t.querySelector("td")?.textContent),
		);
		expect(rows).toEqual(["SFT", "RL"]);
		expect(await page.locator("#results").textContent()).toContain("two-sided sign test");
		expect(await page.locator("#eval-reports tbody tr").count()).toBe(2);
		await shot("evals");
		await page.selectOption("#evals-run", SEED1_RUN);
		await page.waitForSelector("#eval-types");
		const types = await page.$$eval("#eval-types tbody tr", (trs) => trs.map((t) => t.textContent));
		expect(types).toEqual(["far0.000 (2)", "near1.000 (2)"]);
	});
});
