// Joins the compiled modules that the CLI entry reaches into one file, dist/h2scope.cjs.
//
// Why: Node 20 spends about 0.6 ms loading each ES module, and the CLI reaches ~130 of them, so
// start-up cost ~70 ms before reading a byte (measured with 128 empty modules: 78 ms as ES
// modules, 20 ms as CommonJS, one file a few ms). One file keeps the code as it is, module by
// module, each in its own function scope, so no names clash. An OUTPUT ending in .cjs is written
// as a CommonJS script (strict mode, require() for packages and built-ins): bin/h2scope.js loads
// it with a V8 code cache (scripts/code-cache.mjs), which ES modules cannot use on Node 20, and
// importing commander as CommonJS skips the ES module loader's translation of it. Any other
// OUTPUT is an ES module. The second line names the bundle by a hash of its text, so a code
// cache made for another build is never used.
//
// It understands the forms tsc emits for this code base and refuses anything else, so a new form
// fails the build instead of misbehaving: named, namespace and default imports; `export` on a
// declaration; `export { … }` with or without `from` (not `export *`). A named import that its
// module does not export fails, as linking would. Imports from packages and node: built-ins
// stay real imports at the top. `let`/`var` exports (live bindings) and import cycles are refused,
// since evaluating each module once, in dependency order, copies its exports.
//
// Usage: node scripts/bundle.mjs [ENTRY OUTPUT]   (run by npm run build, prepare and pretest
// after tsc; the arguments default to dist/cli/main.js and dist/h2scope.cjs)

import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// Arguments for the bundler's own tests: an entry module and the output file, both or neither.
if (process.argv.length === 3) throw new Error("bundle: give both ENTRY and OUTPUT, or neither");
const ENTRY = resolve(process.argv[2] ?? join(root, "dist", "cli", "main.js"));
const OUTPUT = resolve(process.argv[3] ?? join(root, "dist", "h2scope.cjs"));
const dist = dirname(OUTPUT);
const commonJs = OUTPUT.endsWith(".cjs");
/** What import.meta.url of the bundle itself is written as. */
const bundleUrl = commonJs ? "__bundleUrl" : "import.meta.url";

/** Module path → its parsed form; filled in dependency order (dependencies first). */
const modules = new Map();
const order = [];
/** Package or built-in specifier → the name its namespace (or default export) is bound to. */
const externals = new Map();

function fail(file, node, message) {
  const where = node === undefined ? "" : `:${node.getSourceFile().getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  throw new Error(`bundle: ${relative(dist, file)}${where}: ${message}`);
}

function externalName(specifier, kind) {
  const key = `${kind} ${specifier}`;
  if (!externals.has(key)) externals.set(key, { specifier, kind, name: `__external${externals.size}` });
  return externals.get(key).name;
}

function hasModifier(node, kind) {
  return (ts.getModifiers?.(node) ?? node.modifiers ?? []).some((modifier) => modifier.kind === kind);
}

/** Reads one module and, first, every module it imports (depth first: dependencies come first in `order`). */
function load(file, stack) {
  if (modules.has(file)) {
    if (modules.get(file) === "loading") throw new Error(`bundle: import cycle: ${[...stack, file].map((f) => relative(dist, f)).join(" → ")}`);
    return;
  }
  modules.set(file, "loading");
  const text = readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  /** Replacements of [start, end) ranges of the text, applied back to front. */
  const edits = [];
  const exports = [];
  const dependencyOf = (specifier) => resolve(dirname(file), specifier);
  const isRelative = (specifier) => specifier.startsWith("./") || specifier.startsWith("../");

  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const specifier = statement.moduleSpecifier.text;
      const clause = statement.importClause;
      const lines = [];
      if (isRelative(specifier)) {
        const dependency = dependencyOf(specifier);
        load(dependency, [...stack, file]);
        const moduleName = modules.get(dependency).name;
        if (clause?.name) fail(file, statement, "default import from a project module");
        const bindings = clause?.namedBindings;
        if (bindings && !ts.isNamespaceImport(bindings)) {
          // An ES module that imports a name its dependency lacks fails to link; so does this.
          const exported = new Set(modules.get(dependency).exports.map((entry) => entry.name));
          for (const element of bindings.elements) {
            const name = (element.propertyName ?? element.name).text;
            if (!exported.has(name)) fail(file, statement, `imports ${name}, which ${relative(dist, dependency)} does not export`);
          }
        }
        if (bindings && ts.isNamespaceImport(bindings)) lines.push(`const ${bindings.name.text} = ${moduleName};`);
        else if (bindings) lines.push(`const { ${bindings.elements.map((element) => (element.propertyName ? `${element.propertyName.text}: ${element.name.text}` : element.name.text)).join(", ")} } = ${moduleName};`);
      } else {
        if (clause?.name) lines.push(`const ${clause.name.text} = ${externalName(specifier, "default")};`);
        const bindings = clause?.namedBindings;
        if (bindings && ts.isNamespaceImport(bindings)) lines.push(`const ${bindings.name.text} = ${externalName(specifier, "namespace")};`);
        else if (bindings) lines.push(`const { ${bindings.elements.map((element) => (element.propertyName ? `${element.propertyName.text}: ${element.name.text}` : element.name.text)).join(", ")} } = ${externalName(specifier, "namespace")};`);
        if (!clause) externalName(specifier, "namespace");
      }
      edits.push([statement.getStart(), statement.getEnd(), lines.join(" ")]);
    } else if (ts.isExportDeclaration(statement)) {
      if (statement.isTypeOnly) {
        edits.push([statement.getStart(), statement.getEnd(), ""]);
        continue;
      }
      const from = statement.moduleSpecifier?.text;
      if (from !== undefined && !isRelative(from)) fail(file, statement, "re-export from a package");
      let moduleName;
      if (from !== undefined) {
        const dependency = dependencyOf(from);
        load(dependency, [...stack, file]);
        moduleName = modules.get(dependency).name;
        const exported = new Set(modules.get(dependency).exports.map((entry) => entry.name));
        for (const element of statement.exportClause && ts.isNamedExports(statement.exportClause) ? statement.exportClause.elements : []) {
          const name = (element.propertyName ?? element.name).text;
          if (!exported.has(name)) fail(file, statement, `re-exports ${name}, which ${relative(dist, dependency)} does not export`);
        }
      }
      const clause = statement.exportClause;
      if (clause === undefined) {
        // Not used here; copying names with a spread would let a clash pass silently.
        fail(file, statement, "export * from a module");
      } else if (ts.isNamedExports(clause)) {
        for (const element of clause.elements) {
          const local = (element.propertyName ?? element.name).text;
          exports.push({ name: element.name.text, value: moduleName === undefined ? local : `${moduleName}.${local}` });
        }
      } else {
        fail(file, statement, "export * as name");
      }
      edits.push([statement.getStart(), statement.getEnd(), ""]);
    } else if (ts.isExportAssignment(statement)) {
      fail(file, statement, "export default");
    } else if (hasModifier(statement, ts.SyntaxKind.ExportKeyword)) {
      if (hasModifier(statement, ts.SyntaxKind.DefaultKeyword)) fail(file, statement, "export default");
      const exportKeyword = (ts.getModifiers?.(statement) ?? statement.modifiers).find((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword);
      edits.push([exportKeyword.getStart(), exportKeyword.getEnd() + 1, ""]);
      if (ts.isVariableStatement(statement)) {
        if ((statement.declarationList.flags & ts.NodeFlags.Const) === 0) fail(file, statement, "a let or var export (a live binding)");
        for (const declaration of statement.declarationList.declarations) {
          if (!ts.isIdentifier(declaration.name)) fail(file, statement, "a destructuring export");
          exports.push({ name: declaration.name.text, value: declaration.name.text });
        }
      } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) {
        exports.push({ name: statement.name.text, value: statement.name.text });
      } else {
        fail(file, statement, `an export of kind ${ts.SyntaxKind[statement.kind]}`);
      }
    }
  }

  // import.meta.url names the bundle now: keep it naming the module's own file (the analyze
  // command finds its worker script relative to it).
  const visit = (node) => {
    if (ts.isPropertyAccessExpression(node) && ts.isMetaProperty(node.expression) && node.name.text === "url") {
      edits.push([node.getStart(), node.getEnd(), `new URL(${JSON.stringify(relative(dist, file).split("\\").join("/"))}, ${bundleUrl}).href`]);
      return;
    }
    const topLevelAwait = node.kind === ts.SyntaxKind.AwaitExpression || (ts.isForOfStatement(node) && node.awaitModifier !== undefined);
    if (topLevelAwait && !insideFunction(node)) fail(file, node, "top-level await");
    ts.forEachChild(node, visit);
  };
  visit(source);

  const names = exports.map((entry) => entry.name);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) fail(file, undefined, `exports ${repeated} twice`);
  let body = text;
  for (const [start, end, replacement] of edits.sort((a, b) => b[0] - a[0])) body = body.slice(0, start) + replacement + body.slice(end);
  body = body.replace(/^\/\/# sourceMappingURL=.*$/m, "");
  const name = `__module${order.length}`;
  modules.set(file, { name, body, exports });
  order.push(file);
}

function insideFunction(node) {
  for (let parent = node.parent; parent !== undefined; parent = parent.parent) {
    if (ts.isFunctionLike(parent)) return true;
  }
  return false;
}

load(ENTRY, []);

const parts = commonJs
  ? [
    // Strict, as the ES modules were. A package's default export and its namespace are both its
    // module.exports for the CommonJS packages and built-ins this code imports.
    '"use strict";',
    ...[...externals.values()].map(({ specifier, name }) => `const ${name} = require(${JSON.stringify(specifier)});`),
    'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;',
  ]
  : [...externals.values()].map(({ specifier, kind, name }) =>
    kind === "default" ? `import ${name} from ${JSON.stringify(specifier)};` : `import * as ${name} from ${JSON.stringify(specifier)};`);
for (const file of order) {
  const { name, body, exports } = modules.get(file);
  const members = exports.map((entry) => (entry.name === entry.value ? entry.name : `${entry.name}: ${entry.value}`));
  parts.push(`// ${relative(dist, file)}`, `const ${name} = (() => {`, body.trimEnd(), `return { ${members.join(", ")} };`, "})();");
}
const entry = modules.get(ENTRY);
const entryNames = entry.exports.map((entry) => entry.name).join(", ");
if (commonJs) parts.push(`const { ${entryNames} } = ${entry.name};`, `module.exports = { ${entryNames} };`, "");
else parts.push(`export const { ${entryNames} } = ${entry.name};`, "");
const body = parts.join("\n");
const id = createHash("sha256").update(body).digest("hex");
writeFileSync(OUTPUT, `// Generated by scripts/bundle.mjs from the compiled modules under dist/: do not edit.\n// bundle ${id}\n${body}`);
console.log(`bundle: ${relative(root, OUTPUT)} from ${order.length} modules`);
