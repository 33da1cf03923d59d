import { envRegistryWith } from "@stepwise/core";
import { layer as alfworld } from "@stepwise/env-alfworld";
import { layer as search } from "@stepwise/env-search";
import { layer as sokoban } from "@stepwise/env-sokoban";
import { layer as virtualhome } from "@stepwise/env-virtualhome";
import { layer as webshop } from "@stepwise/env-webshop";

/**
 * The environments the runner ships with, registered by default: each plugin package exports one
 * `layer` registering it. Other environments need no entry here: `env.plugin=<entry point>` (or
 * `stepwise envs --plugin`) registers them at run time (`loadEnvPlugin` in `@stepwise/core`).
 */
export const EnvironmentsLive = envRegistryWith(sokoban, alfworld, webshop, virtualhome, search);
