import { describe, expect, test } from "bun:test";
import { formatDuration, Progress } from "../src/runs/progress.ts";

describe("Progress", () => {
	test("formats durations", () => {
		expect(formatDuration(5)).toBe("00:05");
		expect(formatDuration(3725)).toBe("1:02:05");
		expect(formatDuration(Number.NaN)).toBe("--:--");
	});

	test("the rate keeps the form the display chose, however fast the units come", () => {
		let t = 0;
		const options = { label: "x", total: 10, tty: false, write: () => {}, now: () => t, unit: "step" };
		const fast = new Progress(options);
		const slow = new Progress({ ...options, rate: "seconds-per" });
		t = 500;
		fast.tick(2);
		slow.tick(2);
		expect(fast.line()).toContain(" 4.00 step/s ");
		expect(slow.line()).toContain(" 0.25 s/step ");
		t = 8000;
		expect(fast.line()).toContain(" 0.25 step/s ");
		expect(slow.line()).toContain(" 4.00 s/step ");
	});

	test("plain mode prints at most one line per interval, and the last", () => {
		let t = 0;
		const out: string[] = [];
		const p = new Progress({
			label: "rl",
			total: 4,
			tty: false,
			intervalMs: 1000,
			write: (s) => out.push(s),
			now: () => t,
		});
		t = 500;
		p.tick(1, { success: 0.25 });
		t = 700;
		p.tick();
		t = 1600;
		p.tick();
		t = 2000;
		p.tick(1, { success: 0.5 });
		expect(out.length).toBe(3);
		expect(out[0]).toBe("rl [#####...............] 1/4 2.00 it/s elapsed 00:01 eta 00:02 | success=0.25\n");
		expect(out[2]).toContain("4/4");
		expect(out[2]).toContain("success=0.5");
	});

	test("tty mode redraws in place", () => {
		const out: string[] = [];
		const p = new Progress({ label: "sft", total: 2, tty: true, write: (s) => out.push(s), now: () => 1000 });
		p.tick();
		p.finish();
		expect(out[0]?.startsWith("\r\u001b[2K")).toBe(true);
		expect(out[1]).toBe("\n");
	});

	test("a resumed display counts earlier units but not in its rate", () => {
		let t = 0;
		const p = new Progress({ label: "rl", total: 10, initial: 6, tty: false, write: () => {}, now: () => t });
		t = 2000;
		p.tick(2);
		const line = p.line();
		expect(line).toContain("8/10");
		expect(line).toContain("1.00 it/s");
		expect(line).toContain("eta 00:02");
	});

	test("a forced tick prints within the interval (SFT's validations), the others wait for it", () => {
		let t = 0;
		const out: string[] = [];
		const p = new Progress({
			label: "sft",
			total: 100,
			tty: false,
			intervalMs: 10_000,
			write: (s) => out.push(s),
			now: () => t,
		});
		t = 100;
		p.tick(1, { loss: 2.5 });
		t = 200;
		p.tick(1, { loss: 2.4 });
		t = 300;
		p.tick(1, { val_loss: 2.3 }, true);
		expect(out).toHaveLength(2);
		expect(out[0]).toContain("1/100");
		expect(out[0]).toContain("loss=2.5");
		expect(out[1]).toContain("3/100");
		expect(out[1]).toContain("val_loss=2.3");
	});
});
