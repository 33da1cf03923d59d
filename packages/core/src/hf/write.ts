import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Effect } from "effect";
import { fsErrorText } from "../util/atomic.ts";
import { HfModelError } from "./errors.ts";

/**
 * Write a directory of files atomically: everything goes into a temporary sibling, which then
 * replaces `dir` by rename, so a reader never sees half a model.
 */
export const writeDirAtomically = (
	dir: string,
	files: Readonly<Record<string, string | Uint8Array>>,
): Effect.Effect<void, HfModelError> =>
	Effect.try({
		catch: (e) => new HfModelError({ path: dir, message: `cannot write ${dir}: ${fsErrorText(e)}` }),
		try: () => {
			mkdirSync(dirname(dir), { recursive: true });
			const tmp = join(dirname(dir), `.${basename(dir)}.${process.pid}.${Date.now()}.tmp`);
			mkdirSync(tmp, { recursive: true });
			try {
				for (const [name, data] of Object.entries(files)) writeFileSync(join(tmp, name), data);
				const old = `${tmp}.old`;
				if (existsSync(dir)) renameSync(dir, old);
				renameSync(tmp, dir);
				rmSync(old, { recursive: true, force: true });
			} catch (error) {
				rmSync(tmp, { recursive: true, force: true });
				throw error;
			}
		},
	});
