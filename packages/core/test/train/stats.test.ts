import { describe, expect, test } from "bun:test";
import { auc, explainedVariance } from "../../src/train/index.ts";

describe("explainedVariance / auc", () => {
	test("explained variance: 1 for perfect predictions, 0 for the mean, NaN for constant targets", () => {
		expect(explainedVariance([1, 2, 3], [1, 2, 3])).toBeCloseTo(1, 10);
		// every episode won: returns equal up to rounding, so there is no variance to explain
		expect(explainedVariance([0, 0, 0], [9.999999999999998, 10, 10.000000000000002])).toBeNaN();
		expect(explainedVariance([0, 0, 0], [9.99, 10, 10.01])).toBeCloseTo(0, 10);
		expect(explainedVariance([2, 2, 2], [1, 2, 3])).toBeCloseTo(0, 10);
		expect(explainedVariance([0, 1], [1, 1])).toBeNaN();
	});
	test("auc counts ties as ½", () => {
		expect(auc([3, 4], [1, 2])).toBe(1);
		expect(auc([1], [2])).toBe(0);
		// pairs: (1,2)=0 (1,0)=1 (2,2)=½ (2,0)=1
		expect(auc([1, 2], [2, 0])).toBeCloseTo(2.5 / 4, 10);
		expect(auc([], [1])).toBeNaN();
	});
});
