/** A run's evaluations: the pipeline's `results.md` and each `eval*.json` report, decoded. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Schema } from "effect";
import { EvalReportView, type EvalsResponse } from "./api.ts";
import { evalFiles } from "./runs.ts";

const decodeReport = Schema.decodeUnknownResult(EvalReportView);

/** Read a run directory's evaluations; a report that does not decode is named in `errors`, not fatal. */
export const readEvals = (dir: string): EvalsResponse => {
	const results = join(dir, "results.md");
	const reports: EvalsResponse["reports"][number][] = [];
	const errors: string[] = [];
	// the SFT report first, then RL, then the others
	const order = (f: string) => ["eval-sft.json", "eval-rl.json"].indexOf(f) >>> 0;
	for (const file of evalFiles(dir).sort((a, b) => order(a) - order(b) || a.localeCompare(b))) {
		let json: unknown;
		try {
			json = JSON.parse(readFileSync(join(dir, file), "utf8"));
		} catch (e) {
			errors.push(`${file}: ${e instanceof Error ? e.message : String(e)}`);
			continue;
		}
		const r = decodeReport(json);
		if (r._tag === "Success") reports.push({ file, report: r.success });
		else errors.push(`${file}: ${r.failure.message.split("\n")[0]}`);
	}
	return { results: existsSync(results) ? readFileSync(results, "utf8") : null, reports, errors };
};
