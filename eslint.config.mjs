// ESLint holds the walls of STYLE.md: the layer boundaries, the pure core, file and function size, the one errorText,
// no dropped errors and no forgotten promises. Formatting is Prettier's (eslint-config-prettier comes last).
import { builtinModules } from "node:module";
import { defineConfig } from "eslint/config";
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import eslintComments from "@eslint-community/eslint-plugin-eslint-comments";
import prettier from "eslint-config-prettier";
import globals from "globals";

/**
 * The layers of src/, top to bottom. An import never points up: a folder may import its own layer (sibling features
 * or adapters, as long as there is no cycle) and any layer below, never one above. `config` may become `settings`;
 * both names are the same layer.
 */
const LAYERS = [
  { name: "entry point", folders: ["functions", "cli", "host"] },
  { name: "composition root", folders: ["app"] },
  { name: "feature", folders: ["alerts", "fanout", "report-api", "log-analytics"] },
  { name: "adapter", folders: ["collect", "snapshot", "store", "queue", "http", "report", "telemetry"] },
  { name: "use case", folders: ["audit"] },
  { name: "settings", folders: ["config", "settings"] },
  { name: "engine", folders: ["engine"] },
  { name: "rules", folders: ["rules"] },
  { name: "net", folders: ["net"] },
  { name: "model", folders: ["model"] },
];

/** The pure core does no I/O: no Azure SDK, no Node builtins. */
const CORE_FOLDERS = ["engine", "rules", "net", "model"];

// Imports are relative, so a folder is reached by "../x" from src/<folder>/file.ts and by "../../x" (or deeper) from
// its subfolders (src/model/readers, src/rules/catalog, src/report-api/dashboard). Patterns for a depth that would
// leave src/ name folders that do not exist there, so listing every depth costs nothing and misses nothing.

/** gitignore-style patterns matching an import of `folder` (itself or anything in it) from any depth under src/. */
function importsOf(folder, depths = [1, 2, 3]) {
  return depths.flatMap((depth) => {
    const target = `${"../".repeat(depth)}${folder}`;
    return [target, `${target}/*`];
  });
}

function layerOf(folder) {
  return LAYERS.findIndex((layer) => layer.folders.includes(folder));
}

/** The no-restricted-imports options for the files of one src/ folder (one block each: options do not merge). */
function restrictionsFor(folder) {
  const own = layerOf(folder);
  const patterns = LAYERS.slice(0, own).flatMap((layer) =>
    layer.folders.map((above) => ({
      group: importsOf(above),
      message:
        above === "app"
          ? `src/${folder} (${LAYERS[own].name} layer) may not import src/app: the composition root is imported only by entry points.`
          : `src/${folder} (${LAYERS[own].name} layer) may not import src/${above} (${layer.name} layer, above it): an import never points up.`,
    })),
  );
  patterns.push({
    // From src/<folder>/file.ts dev/ is "../../dev"; one level deeper it is "../../../dev".
    group: ["dev", "test"].flatMap((outside) => importsOf(outside, [2, 3, 4])),
    message: `src/${folder} may not import dev/ or test/: product code never depends on dev tools or tests.`,
  });
  const paths = [];
  if (CORE_FOLDERS.includes(folder)) {
    const core = `src/${folder} is part of the pure core (engine, rules, net, model): no I/O, no SDK types.`;
    patterns.push({ group: ["@azure/*", "node:*"], message: core });
    for (const name of builtinModules.filter((name) => !name.startsWith("_"))) paths.push({ name, message: core });
  }
  return { paths, patterns };
}

const allFolders = LAYERS.flatMap((layer) => layer.folders);

const boundaryBlocks = allFolders.map((folder) => ({
  name: `boundaries/src/${folder}`,
  files: [`src/${folder}/**/*.ts`],
  rules: { "no-restricted-imports": ["error", restrictionsFor(folder)] },
}));

export default defineConfig(
  {
    name: "ignores",
    ignores: ["dist/", "node_modules/", "test-artifacts/", ".azurite/", ".local/", "coverage/", "test/fixtures/"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    name: "project",
    languageOptions: {
      parserOptions: {
        // tsconfig.test.json covers src, dev, test and the vitest config: one program for the whole tree.
        project: ["./tsconfig.test.json"],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    plugins: { "@eslint-community/eslint-comments": eslintComments },
    rules: {
      // An empty catch drops an error (STYLE.md, Errors); a comment inside the block is the only accepted excuse.
      "no-empty": ["error", { allowEmptyCatch: false }],
      "@typescript-eslint/no-floating-promises": "error",
      // A disable comment says why, after "--": the size limits below are to be argued with, not silenced.
      "@eslint-community/eslint-comments/require-description": ["error", { ignore: ["eslint-enable"] }],
      "@eslint-community/eslint-comments/no-unlimited-disable": "error",
      // `_`-prefixed names are the codebase's way to say "unused on purpose" (destructuring, callback positions).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      // Tuned for this codebase's deliberate style:
      // - an `async` method is how a fake or an adapter satisfies a Promise-returning port, and Functions handlers are
      //   async by contract, with or without an await inside;
      "@typescript-eslint/require-await": "off",
      // - control characters are matched on purpose: terminal, CSV, table-key and alert text strip or reject them;
      "no-control-regex": "off",
      // - `String(x ?? "")` reads untyped ARM, Table and JSON payloads defensively; the rule sees `unknown ?? ""` as
      //   `{}` and reports "[object Object]" where objects were already rendered with JSON.stringify or ruled out.
      "@typescript-eslint/no-base-to-string": "off",
      // errorText is the one place that turns an unknown error into a line (STYLE.md, Errors).
      "no-restricted-syntax": [
        "error",
        {
          selector:
            "ConditionalExpression[test.type='BinaryExpression'][test.operator='instanceof'][test.right.name='Error'][consequent.type='MemberExpression'][consequent.property.name='message']",
          message: "use errorMessage or errorText from src/errors",
        },
      ],
    },
  },
  {
    name: "errors-ts",
    files: ["src/errors.ts"],
    rules: { "no-restricted-syntax": "off" },
  },
  {
    name: "tests",
    files: ["test/**/*.ts"],
    rules: {
      // Tests assert on parsed CLI and HTTP output (`JSON.parse`, `response.json()`): the expectations are the type check,
      // so reading `any` payloads there is deliberate. Product and dev code keep these rules.
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      // ... and for the same reason a test may name such a payload `any` rather than restate the product's types.
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  {
    name: "src-size",
    files: ["src/**/*.ts"],
    rules: {
      "max-lines": ["error", { max: 500, skipBlankLines: false, skipComments: false }],
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  ...boundaryBlocks,
  {
    name: "errors-ts-leaf",
    files: ["src/errors.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [{ group: ["./*", "../*"], message: "src/errors.ts is a leaf: it imports nothing from the tree." }],
        },
      ],
    },
  },
  {
    name: "javascript",
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    name: "commonjs",
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    // Plain CommonJS (the host's function fixtures are what tsc emits): require is how it imports.
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  prettier,
);
