/**
 * `docs/configuration.md` from the run config's Schema: every key of `defaultConfig` with its type
 * (read from the Schema's source), its default and the doc comment the Schema gives it. Run
 * `bun scripts/config-docs.ts` to rewrite the page; a test fails while the page is stale or a key
 * has no description.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { LORA_TARGETS } from "@stepwise/core/hf/lora";
import { MethodName } from "@stepwise/rewards";
import ts from "typescript";
import { defaultConfig, methodAliases } from "../src/config/schema.ts";

const schemaPath = new URL("../src/config/schema.ts", import.meta.url);
export const configDocsPath = new URL("../../../docs/configuration.md", import.meta.url);

export interface ConfigKeyDoc {
	readonly key: string;
	readonly type: string;
	readonly description: string;
	/** An optional key (`Schema.optionalKey`, or inside one), absent from the defaults. */
	readonly optional: boolean;
}

/** `Schema.optionalKey(x)` → x, else the expression itself. */
const unwrapOptional = (init: ts.Expression, source: ts.SourceFile): { inner: ts.Expression; optional: boolean } => {
	if (ts.isCallExpression(init) && init.expression.getText(source) === "Schema.optionalKey") {
		const [inner] = init.arguments;
		if (inner !== undefined) return { inner, optional: true };
	}
	return { inner: init, optional: false };
};

/** The Schema's building blocks as a reader says them. */
const typeNames: Readonly<Record<string, string>> = {
	PosInt: "integer > 0",
	NonNegInt: "integer ≥ 0",
	Positive: "number > 0",
	NonNegative: "number ≥ 0",
	Probability: "number in [0, 1)",
	VocabSize: "integer from 263 to 65,536",
	"Schema.Int": "integer",
	"Schema.String": "string",
	"Schema.Boolean": "boolean",
	"Schema.Record(Schema.String, Schema.Unknown)": "map",
	"Schema.Array(Schema.Int).check(Schema.isMinLength(1))": "list of integers (at least one)",
	"Schema.Array(Schema.Literals(LORA_TARGETS)).check(Schema.isMinLength(1))": `list of ${LORA_TARGETS.join(", ")} (at least one)`,
	// the built-in methods (not the registry, which tests and plugins extend at run time)
	TrainMethod: `${[
		...MethodName.literals.filter(
			(m) => !Object.values(methodAliases).some((a) => a.replaces === true && a.method === m),
		),
		...Object.keys(methodAliases),
		"mix",
	].join(" \\| ")}, or a method registered at run time`,
};

const typeOf = (key: string, init: ts.Expression, source: ts.SourceFile): string => {
	const text = init.getText(source).replace(/\s+/g, " ");
	const known = typeNames[text];
	if (known !== undefined) return known;
	// Count(max): an integer from 1 to max
	const count = /^Count\(([\d_]+)\)$/.exec(text);
	if (count?.[1] !== undefined) return `integer 1–${Number(count[1].replace(/_/g, "")).toLocaleString("en-US")}`;
	if (ts.isCallExpression(init) && init.expression.getText(source) === "Schema.Literals") {
		const [list] = init.arguments;
		if (list !== undefined && ts.isArrayLiteralExpression(list))
			return list.elements.map((e) => (ts.isStringLiteral(e) ? e.text : e.getText(source))).join(" \\| ");
	}
	throw new Error(`config-docs: no reader's name for the type of ${key} (${text}); add it to typeNames`);
};

/** The JSDoc text attached to a node, its lines joined. */
const docOf = (node: ts.Node): string =>
	ts
		.getJSDocCommentsAndTags(node)
		.map((d) => (typeof d.comment === "string" ? d.comment : (d.comment?.map((c) => c.text).join("") ?? "")))
		.join(" ")
		.replace(/\{@link ([^}]+)\}/g, "`$1`")
		.replace(/\s+/g, " ")
		.trim();

/** Every leaf key of `RunConfig`, in the Schema's order, with the doc comment of its own or of its group. */
export const configKeyDocs = (): ReadonlyArray<ConfigKeyDoc> => {
	const source = ts.createSourceFile("schema.ts", readFileSync(schemaPath, "utf8"), ts.ScriptTarget.Latest, true);
	let root: ts.ObjectLiteralExpression | undefined;
	source.forEachChild(function find(node): void {
		if (
			ts.isVariableDeclaration(node) &&
			node.name.getText(source) === "RunConfig" &&
			node.initializer !== undefined &&
			ts.isCallExpression(node.initializer)
		) {
			const [arg] = node.initializer.arguments;
			if (arg !== undefined && ts.isObjectLiteralExpression(arg)) root = arg;
		}
		node.forEachChild(find);
	});
	if (root === undefined) throw new Error("config-docs: no `RunConfig = Schema.Struct({…})` in schema.ts");
	const out: ConfigKeyDoc[] = [];
	const walk = (obj: ts.ObjectLiteralExpression, prefix: string, optionalParent: boolean): void => {
		for (const p of obj.properties) {
			if (!ts.isPropertyAssignment(p)) continue;
			const key = `${prefix}${p.name.getText(source)}`;
			const { inner: init, optional: own } = unwrapOptional(p.initializer, source);
			const optional = optionalParent || own;
			const isStruct =
				ts.isCallExpression(init) &&
				init.expression.getText(source) === "Schema.Struct" &&
				init.arguments[0] !== undefined &&
				ts.isObjectLiteralExpression(init.arguments[0]);
			if (isStruct) walk(init.arguments[0] as ts.ObjectLiteralExpression, `${key}.`, optional);
			else {
				out.push({ key, type: typeOf(key, init, source), description: docOf(p), optional });
			}
		}
	};
	walk(root, "", false);
	return out;
};

/** The default of a dotted key, as the YAML config writes it ("unset" for an optional key the defaults omit). */
const defaultOf = (key: string): string => {
	let v: unknown = defaultConfig;
	for (const part of key.split(".")) v = v === undefined ? undefined : (v as Record<string, unknown>)[part];
	return v === undefined ? "unset" : `\`${JSON.stringify(v)}\``;
};

const groupTitles: Readonly<Record<string, string>> = {
	"": "Top level",
	env: "`env`: the environment",
	model: "`model`: the transformer policy",
	lora: "`lora`: LoRA adapters on a Hugging Face model (`--policy hf:DIR`)",
	sft: "`sft`: supervised fine-tuning on expert demonstrations",
	rollout: "`rollout`: sampling episodes",
	method: "`method`: the credit method",
	train: "`train`: the RL loop",
	critic: "`critic`: the PPO critic (`ppo`, `spa`, any method under `method.trainer=ppo`)",
	progress: "`progress`: SPA's exploration and progress estimator",
	eval: "`eval`: the final evaluation",
	openai: "`openai`: a served model as the policy (`--policy openai:BASE_URL#MODEL`; optional)",
};

/** The whole page. */
export const configurationMarkdown = (): string => {
	const keys = configKeyDocs();
	const lines = [
		"<!-- Generated by apps/runner/scripts/config-docs.ts from apps/runner/src/config/schema.ts; do not edit. -->",
		"# Configuration",
		"",
		"Every command reads one run config: the defaults below, then `--config FILE` (YAML), then dotted",
		"`key=value` arguments (`train.lr=3e-4 env.spec=webshop/verl-v0 eval.seeds=[0,1]`). The resolved config is",
		"saved as the run directory's `config.yaml`. `apps/runner/configs/default.yaml` holds the same",
		"defaults as a file to copy; `apps/runner/configs/tiny.yaml` is a one-minute run. An unknown key or a",
		"bad value stops the command with an error naming the key.",
		"",
		"Credit-method options go under `method.config.<option>` (see the method's page under",
		"[credit/](credit/)); environment options under `env.options.<option>` (see [environments/](environments/)).",
	];
	let group: string | undefined;
	for (const k of keys) {
		const g = k.key.includes(".") ? (k.key.split(".")[0] ?? "") : "";
		if (g !== group) {
			group = g;
			lines.push(
				"",
				`## ${groupTitles[g] ?? `\`${g}\``}`,
				"",
				"| key | type | default | meaning |",
				"| --- | --- | --- | --- |",
			);
		}
		lines.push(`| \`${k.key}\` | ${k.type} | ${defaultOf(k.key)} | ${k.description.replace(/\|/g, "\\|")} |`);
	}
	return `${lines.join("\n")}\n`;
};

if (import.meta.main) writeFileSync(configDocsPath, configurationMarkdown());
