/**
 * The task library: activity templates modelled on VirtualHome's ActivityPrograms titles, each a
 * parametrised gold program (docs/environments/virtualhome.md). A template places the objects it needs, imposes
 * the initial states its program needs, writes the program and returns the one-sentence description.
 */
import type { Rng } from "@stepwise/core/util/rng";
import type { PlanBuilder } from "./plan.ts";
import { HOME_TEMPLATES } from "./templates-home.ts";
import { KITCHEN_TEMPLATES } from "./templates-kitchen.ts";

/** One activity template. */
export interface TaskTemplate {
	/** Stable id (`drink`, `watch_tv`, …), also the task type. */
	readonly id: string;
	/** ActivityPrograms-style title (`Drink`, `Watch TV`). */
	readonly title: string;
	/** Build the gold program into `p`; returns the description. Throws `NotApplicable` when it cannot. */
	make(p: PlanBuilder, rng: Rng): string;
}

/** Every template, in a fixed order (the task generator picks among them by index). */
export const TEMPLATES: ReadonlyArray<TaskTemplate> = [...KITCHEN_TEMPLATES, ...HOME_TEMPLATES];

/** A template by id. */
export const templateById = (id: string): TaskTemplate | undefined => TEMPLATES.find((t) => t.id === id);
