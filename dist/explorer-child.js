import { createRequire as __testmasterCreateRequire } from 'node:module';
const require = __testmasterCreateRequire(import.meta.url);
const __filename = import.meta.filename;
const __dirname = import.meta.dirname;

import fs, { readFileSync, existsSync, realpathSync, readdirSync, appendFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { c as callableSymbols, E as ExplorationEngine } from './chunk-exploration-engine.js';
import { registerHooks, SourceMap, createRequire, syncBuiltinESMExports } from 'node:module';
import { dirname, join } from 'node:path';
import { i as istanbul } from './chunk-index2.js';
import { t as ts } from './chunk-typescript.js';
import vm from 'node:vm';
import './chunk-index.js';
import 'tty';
import 'util';
import 'os';
import 'assert';
import 'path';
import 'fs';
import 'url';
import 'module';
import 'process';
import 'v8';
import 'crypto';
import 'inspector';

function esModuleView(namespace) {
  const exportsObject = namespace.default;
  if (typeof exportsObject !== "object" && typeof exportsObject !== "function" || exportsObject === null || exportsObject.__esModule !== true)
    return namespace;
  const compiled = exportsObject;
  const view = {};
  for (const [name, value] of Object.entries(namespace)) {
    if (name !== "default" && name !== "module.exports") view[name] = value;
  }
  for (const name of Object.keys(compiled)) {
    if (name !== "default" && name !== "__esModule" && !(name in view)) view[name] = compiled[name];
  }
  if ("default" in compiled) view.default = compiled.default;
  return view;
}

const TS_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts"];
const COVERAGE_VARIABLE = "__testmasterExplorerCoverage__";
function isTypeScript(path) {
  return TS_EXTENSIONS.some((ext) => path.endsWith(ext)) && !path.endsWith(".d.ts");
}
function packageType(file) {
  let dir = dirname(file);
  for (; ; ) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        const parsed = JSON.parse(readFileSync(manifest, "utf8"));
        return parsed.type === "module" ? "module" : "commonjs";
      } catch {
        return "commonjs";
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return "commonjs";
    dir = parent;
  }
}
function typeScriptFormat(file) {
  if (file.endsWith(".mts")) return "module";
  if (file.endsWith(".cts")) return "commonjs";
  return packageType(file);
}
const configOptions = /* @__PURE__ */ new Map();
function repoCompilerOptions(file) {
  const dir = dirname(file);
  if (configOptions.has(dir)) return configOptions.get(dir);
  const configPath = join(dir, "tsconfig.json");
  let options;
  if (existsSync(configPath)) {
    const read = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
    const host = { ...ts.sys, readDirectory: () => [] };
    options = read.error ? void 0 : ts.parseJsonConfigFileContent(read.config, host, dir, void 0, configPath).options;
  } else {
    const parent = dirname(dir);
    options = parent === dir ? void 0 : repoCompilerOptions(dir);
  }
  configOptions.set(dir, options);
  return options;
}
const NO_CONFIG_OPTIONS = {
  target: ts.ScriptTarget.ES2022,
  jsx: ts.JsxEmit.ReactJSX,
  esModuleInterop: true,
  experimentalDecorators: true
};
function transpileOptions(file, format) {
  const repo = repoCompilerOptions(file) ?? NO_CONFIG_OPTIONS;
  return {
    ...repo,
    module: format === "module" ? ts.ModuleKind.ESNext : ts.ModuleKind.CommonJS,
    target: repo.target ?? ts.ScriptTarget.ES2022,
    jsx: repo.jsx ?? ts.JsxEmit.ReactJSX,
    sourceMap: true,
    inlineSourceMap: false,
    inlineSources: false,
    noEmit: false,
    declaration: false,
    declarationMap: false,
    emitDeclarationOnly: false,
    composite: false,
    incremental: false,
    // ESM syntax kept verbatim could not load as CommonJS.
    verbatimModuleSyntax: false
  };
}
const compilers = /* @__PURE__ */ new Map();
function repoCompiler(file) {
  let resolved;
  try {
    const fromFile = createRequire(file);
    let fromTsJest;
    try {
      fromTsJest = fromFile.resolve("ts-jest/package.json");
    } catch {
    }
    resolved = (fromTsJest ? createRequire(fromTsJest) : fromFile).resolve("typescript");
  } catch {
    return ts;
  }
  const known = compilers.get(resolved);
  if (known) return known;
  let compiler = ts;
  try {
    const loaded = createRequire(file)(resolved);
    if (typeof loaded.transpileModule === "function") compiler = loaded;
  } catch {
  }
  compilers.set(resolved, compiler);
  return compiler;
}
function transpile(file, source, format) {
  const output = repoCompiler(file).transpileModule(source, {
    fileName: file,
    compilerOptions: transpileOptions(file, format),
    reportDiagnostics: false
  });
  const map = output.sourceMapText === void 0 ? void 0 : JSON.parse(output.sourceMapText);
  return { code: output.outputText.replace(/\n\/\/# sourceMappingURL=.*$/, ""), map };
}
function typeScriptAlternatives(specifier) {
  if (specifier.endsWith(".js"))
    return [specifier.slice(0, -3) + ".ts", specifier.slice(0, -3) + ".tsx"];
  if (specifier.endsWith(".mjs")) return [specifier.slice(0, -4) + ".mts"];
  if (specifier.endsWith(".cjs")) return [specifier.slice(0, -4) + ".cts"];
  if (!/\.[cm]?[jt]sx?$/.test(specifier))
    return [specifier + ".ts", specifier + ".tsx", specifier + "/index.ts"];
  return [];
}
function registerExplorerHooks(target) {
  let shape;
  let mapLine = (line) => line;
  const instrumenter = istanbul.createInstrumenter({
    coverageVariable: COVERAGE_VARIABLE,
    esModules: true,
    compact: true,
    produceSourceMap: false,
    autoWrap: true
  });
  registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (error) {
        if (!specifier.startsWith(".") && !specifier.startsWith("/") && !specifier.startsWith("file:"))
          throw error;
        for (const alternative of typeScriptAlternatives(specifier)) {
          try {
            return nextResolve(alternative, context);
          } catch {
          }
        }
        throw error;
      }
    },
    load(url, context, nextLoad) {
      if (!url.startsWith("file:")) return nextLoad(url, context);
      const file = fileURLToPath(url);
      const isTarget = file === target;
      if (isTypeScript(file)) {
        const format2 = typeScriptFormat(file);
        const { code: code2, map } = transpile(file, readFileSync(file, "utf8"), format2);
        if (!isTarget) return { format: format2, source: code2, shortCircuit: true };
        if (map) {
          const sourceMap = new SourceMap(map);
          mapLine = (line, column) => {
            const entry = sourceMap.findEntry(line - 1, column);
            return "originalLine" in entry ? entry.originalLine + 1 : line;
          };
        }
        const source2 = instrumenter.instrumentSync(code2, file);
        shape = instrumenter.lastFileCoverage();
        return { format: format2, source: source2, shortCircuit: true };
      }
      if (!isTarget) return nextLoad(url, context);
      const loaded = nextLoad(url, context);
      const format = loaded.format === "module" ? "module" : loaded.format === "commonjs" ? "commonjs" : void 0;
      if (format === void 0) return loaded;
      const code = readFileSync(file, "utf8");
      const source = instrumenter.instrumentSync(code.startsWith("#!") ? "//" + code : code, file);
      shape = instrumenter.lastFileCoverage();
      return { format, source, shortCircuit: true };
    }
  });
  return {
    counters: () => {
      const all = globalThis[COVERAGE_VARIABLE];
      return all?.[target];
    },
    units: () => {
      if (!shape) return [];
      const out = [];
      for (const [id, loc] of Object.entries(shape.statementMap)) {
        out.push([`s${id}`, mapLine(loc.start.line, loc.start.column)]);
      }
      for (const [id, branch] of Object.entries(shape.branchMap)) {
        branch.locations.forEach((loc, arm) => {
          const at = loc.start.line > 0 ? loc : branch.loc;
          out.push([`b${id}.${arm}`, mapLine(at.start.line, at.start.column)]);
        });
      }
      for (const [id, fn] of Object.entries(shape.fnMap)) {
        out.push([`f${id}`, mapLine(fn.decl.start.line, fn.decl.start.column)]);
      }
      return out;
    }
  };
}
function snapshotCounters(counters) {
  const out = /* @__PURE__ */ new Map();
  if (!counters) return out;
  for (const [id, count] of Object.entries(counters.s)) out.set(`s${id}`, count);
  for (const [id, arms] of Object.entries(counters.b))
    arms.forEach((count, arm) => out.set(`b${id}.${arm}`, count));
  for (const [id, count] of Object.entries(counters.f)) out.set(`f${id}`, count);
  return out;
}
function unitsCoveredBetween(before, after) {
  const out = [];
  for (const [unit, count] of after) if (count > (before.get(unit) ?? 0)) out.push(unit);
  return out;
}

const MAX_DEPTH = 5;
const MAX_ITEMS = 50;
const MAX_STRING = 2e3;
function toRepr(value, depth = 0, seen = /* @__PURE__ */ new Set()) {
  switch (typeof value) {
    case "undefined":
      return { t: "undefined" };
    case "boolean":
      return { t: "boolean", v: value };
    case "number":
      return { t: "number", v: Object.is(value, -0) ? "-0" : String(value) };
    case "string":
      return value.length > MAX_STRING ? { t: "opaque", what: "deep" } : { t: "string", v: value };
    case "bigint":
      return { t: "bigint", v: value.toString() };
    case "symbol":
      return { t: "opaque", what: "symbol" };
    case "function":
      return { t: "opaque", what: "function" };
  }
  if (value === null) return { t: "null" };
  const object = value;
  if (seen.has(object)) return { t: "opaque", what: "circular" };
  if (depth > MAX_DEPTH) return { t: "opaque", what: "deep" };
  seen.add(object);
  try {
    return objectRepr(object, depth, seen);
  } finally {
    seen.delete(object);
  }
}
function objectRepr(object, depth, seen) {
  if (object instanceof Date) {
    const time = object.getTime();
    return Number.isNaN(time) ? { t: "opaque", what: "other", ctor: "Date" } : { t: "date", v: time };
  }
  if (object instanceof RegExp) return { t: "regexp", source: object.source, flags: object.flags };
  if (object instanceof Error) {
    const code = object.code;
    return {
      t: "error",
      name: errorName(object),
      message: object.message,
      ...typeof code === "string" ? { code } : {}
    };
  }
  if (typeof object.then === "function")
    return { t: "opaque", what: "promise" };
  if (Array.isArray(object)) {
    if (object.length > MAX_ITEMS) return { t: "opaque", what: "deep" };
    if (Object.keys(object).length !== object.length)
      return { t: "opaque", what: "other", ctor: "Array" };
    return { t: "array", items: object.map((item) => toRepr(item, depth + 1, seen)) };
  }
  if (object instanceof Map) {
    if (object.size > MAX_ITEMS) return { t: "opaque", what: "deep" };
    return {
      t: "map",
      entries: [...object.entries()].map(
        ([k, v]) => [toRepr(k, depth + 1, seen), toRepr(v, depth + 1, seen)]
      )
    };
  }
  if (object instanceof Set) {
    if (object.size > MAX_ITEMS) return { t: "opaque", what: "deep" };
    return { t: "set", items: [...object].map((item) => toRepr(item, depth + 1, seen)) };
  }
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer || object instanceof WeakMap || object instanceof WeakSet) {
    return { t: "opaque", what: "other", ctor: object.constructor.name };
  }
  const proto = Object.getPrototypeOf(object);
  const plain = proto === Object.prototype || proto === null;
  const keys = Object.keys(object);
  if (keys.length > MAX_ITEMS) return { t: "opaque", what: "deep" };
  if (Object.getOwnPropertySymbols(object).length > 0) return { t: "opaque", what: "other" };
  const entries = [];
  for (const key of keys) {
    const descriptor = Object.getOwnPropertyDescriptor(object, key);
    if (!descriptor || !("value" in descriptor)) return { t: "opaque", what: "other" };
    entries.push([key, toRepr(descriptor.value, depth + 1, seen)]);
  }
  if (plain) return { t: "object", entries };
  const ctor = constructorName(object);
  return ctor === void 0 ? { t: "opaque", what: "other" } : { t: "object", ctor, entries };
}
function errorName(error) {
  const ctor = constructorName(error);
  return ctor ?? error.name;
}
function constructorName(object) {
  const ctor = object.constructor;
  return typeof ctor === "function" && ctor.name !== "" ? ctor.name : void 0;
}
function fromRepr(repr) {
  switch (repr.t) {
    case "undefined":
      return void 0;
    case "null":
      return null;
    case "boolean":
    case "string":
      return repr.v;
    case "number":
      return Number(repr.v);
    case "bigint":
      return BigInt(repr.v);
    case "array":
      return repr.items.map(fromRepr);
    case "object":
      return Object.fromEntries(repr.entries.map(([k, v]) => [k, fromRepr(v)]));
    case "date":
      return new Date(repr.v);
    case "regexp":
      return new RegExp(repr.source, repr.flags);
    case "map":
      return new Map(repr.entries.map(([k, v]) => [fromRepr(k), fromRepr(v)]));
    case "set":
      return new Set(repr.items.map(fromRepr));
    case "error":
      return new Error(repr.message);
    case "opaque":
      return void 0;
  }
}

const THUNK = "__testmasterExplorerThunk__";
const script = new vm.Script(`globalThis.${THUNK}()`);
const realGlobal = vm.runInThisContext("globalThis");
class StepTimeout extends Error {
}
function runLimited(thunk, timeoutMs) {
  const holder = realGlobal;
  holder[THUNK] = thunk;
  try {
    return script.runInThisContext({ timeout: timeoutMs });
  } catch (error) {
    if (error.code === "ERR_SCRIPT_EXECUTION_TIMEOUT")
      throw new StepTimeout();
    throw error;
  } finally {
    holder[THUNK] = void 0;
  }
}
function isThenable(value) {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof value.then === "function";
}
async function awaitLimited(promise, timeoutMs) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
function exportValue(namespace, name) {
  return namespace[name];
}
function materialize(recipe, values) {
  switch (recipe.kind) {
    case "literal":
    case "enum":
      return fromRepr(recipe.value);
    case "ref":
      return values[recipe.step];
    case "callback":
      return () => materialize(recipe.returns, values);
    case "promise":
      return Promise.resolve(materialize(recipe.value, values));
  }
}
function invoke(step, namespace, values) {
  const args = "args" in step ? step.args.map((recipe) => materialize(recipe, values)) : [];
  switch (step.op) {
    case "call":
      return exportValue(namespace, step.target)(...args);
    case "construct":
      return new (exportValue(namespace, step.target))(...args);
    case "static": {
      const owner = exportValue(namespace, step.target);
      return owner[step.method]?.(...args);
    }
    case "method": {
      const receiver = values[step.receiver];
      return receiver[step.method]?.(...args);
    }
    case "get":
      return values[step.receiver][step.property];
  }
}
function getterNames(object) {
  const names = [];
  let proto = Object.getPrototypeOf(object);
  while (proto && proto !== Object.prototype) {
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (descriptor.get && name !== "__proto__" && !names.includes(name)) names.push(name);
    }
    proto = Object.getPrototypeOf(proto);
  }
  return names;
}
async function runProgram(program, namespace, timeoutMs) {
  const values = [];
  const outcomes = [];
  for (const step of program.steps) {
    let outcome;
    let awaited = false;
    try {
      let value = runLimited(() => invoke(step, namespace, values), timeoutMs);
      if (isThenable(value)) {
        awaited = true;
        value = await awaitLimited(value, timeoutMs);
      }
      values.push(value);
      outcome = { status: "returned", value: toRepr(value), awaited };
    } catch (error) {
      if (error instanceof StepTimeout) {
        outcomes.push({ status: "timeout" });
        break;
      }
      outcome = { status: "threw", error: toRepr(error), awaited };
      outcomes.push(outcome);
      break;
    }
    outcomes.push(outcome);
  }
  const states = [];
  const getters = [];
  program.steps.forEach((step, index) => {
    if (step.op !== "construct" || outcomes[index]?.status !== "returned") return;
    const object = values[index];
    if (typeof object !== "object" || object === null) return;
    states.push([index, toRepr(object)]);
    for (const name of getterNames(object)) {
      try {
        const value = runLimited(() => object[name], timeoutMs);
        getters.push([index, name, toRepr(value)]);
      } catch {
      }
    }
  });
  return { result: { outcomes, states, getters }, values };
}

const WRITING_FUNCTIONS = [
  "writeFile",
  "appendFile",
  "mkdir",
  "mkdtemp",
  "rename",
  "copyFile",
  "cp",
  "symlink",
  "link",
  "unlink",
  "rm",
  "rmdir",
  "truncate",
  "utimes",
  "chmod",
  "chown"
];
const DESCRIPTOR_FUNCTIONS = [
  "read",
  "readv",
  "write",
  "writev",
  "fstat",
  "fsync",
  "fdatasync",
  "ftruncate",
  "futimes",
  "fchmod",
  "fchown",
  "close"
];
const PATH_OR_DESCRIPTOR_FUNCTIONS = ["readFile", "writeFile", "appendFile"];
let ownWork = false;
function asOwnWork(work) {
  const outer = ownWork;
  ownWork = true;
  try {
    return work();
  } finally {
    ownWork = outer;
  }
}
function activeTimers() {
  return process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;
}
class RefusedByExplorer extends Error {
  constructor(what) {
    super(`the explorer does not let explored code ${what}`);
    this.name = "RefusedByExplorer";
  }
}
function describePath(value) {
  if (typeof value === "string") return value;
  if (value instanceof URL) return value.pathname;
  if (Buffer.isBuffer(value)) return value.toString();
  return String(value);
}
function writesOnOpen(flags) {
  if (typeof flags === "number")
    return (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR | fs.constants.O_CREAT)) !== 0;
  return typeof flags === "string" && /[wa+]/.test(flags);
}
function installSideEffectGuard(scratchDir, keep) {
  const pending = [];
  const note = (hazard) => {
    if (pending.length < 20 && !pending.includes(hazard)) pending.push(hazard);
  };
  const ownDescriptors = /* @__PURE__ */ new Set();
  const refuseWrite = (name, path) => {
    note(`writes a file (${name} ${describePath(path)})`);
    throw new RefusedByExplorer(`write files (${name})`);
  };
  const checkDescriptor = (name, fd) => {
    if (typeof fd !== "number" || ownDescriptors.has(fd)) return;
    note(`uses file descriptor ${fd} it did not open (${name})`);
    throw new RefusedByExplorer(`use file descriptor ${fd} (${name})`);
  };
  const patch = (table, name, wrap) => {
    const original = table[name];
    if (typeof original !== "function") return;
    const guarded = wrap(original);
    table[name] = function(...args) {
      return (ownWork ? original : guarded).apply(this, args);
    };
  };
  const fsTable = fs;
  const promises = fs.promises;
  for (const base of WRITING_FUNCTIONS) {
    const isPathOrDescriptor = PATH_OR_DESCRIPTOR_FUNCTIONS.includes(base);
    for (const [table, name] of [
      [fsTable, base],
      [fsTable, `${base}Sync`],
      [promises, base]
    ]) {
      patch(
        table,
        name,
        (original) => function guarded(...args) {
          if (isPathOrDescriptor && typeof args[0] === "number") {
            checkDescriptor(name, args[0]);
            return original.apply(this, args);
          }
          return refuseWrite(name, args[0]);
        }
      );
    }
  }
  for (const base of ["readFile"]) {
    for (const [table, name] of [
      [fsTable, base],
      [fsTable, `${base}Sync`]
    ]) {
      patch(
        table,
        name,
        (original) => function guarded(...args) {
          checkDescriptor(name, args[0]);
          return original.apply(this, args);
        }
      );
    }
  }
  for (const base of DESCRIPTOR_FUNCTIONS) {
    for (const name of [base, `${base}Sync`]) {
      patch(
        fsTable,
        name,
        (original) => function guarded(...args) {
          checkDescriptor(name, args[0]);
          return original.apply(this, args);
        }
      );
    }
  }
  patch(
    fsTable,
    "openSync",
    (original) => function guarded(...args) {
      if (writesOnOpen(args[1])) refuseWrite("openSync", args[0]);
      const fd = original.apply(this, args);
      if (typeof fd === "number") ownDescriptors.add(fd);
      return fd;
    }
  );
  patch(
    fsTable,
    "open",
    (original) => function guarded(...args) {
      if (writesOnOpen(args[1])) refuseWrite("open", args[0]);
      const callback = args[args.length - 1];
      if (typeof callback === "function")
        args[args.length - 1] = (error, fd) => {
          if (typeof fd === "number") ownDescriptors.add(fd);
          callback(error, fd);
        };
      return original.apply(this, args);
    }
  );
  patch(
    promises,
    "open",
    (original) => function guarded(...args) {
      if (writesOnOpen(args[1])) refuseWrite("open", args[0]);
      return original.apply(this, args);
    }
  );
  patch(
    fsTable,
    "createWriteStream",
    () => function guarded(...args) {
      return refuseWrite("createWriteStream", args[0]);
    }
  );
  patch(
    fsTable,
    "createReadStream",
    (original) => function guarded(...args) {
      const options = args[1];
      if (typeof options === "object" && options !== null)
        checkDescriptor("createReadStream", options.fd);
      return original.apply(this, args);
    }
  );
  syncBuiltinESMExports();
  const late = (error) => {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : `a thrown ${typeof error}`;
    note(`throws after returning (${text.split("\n")[0]?.slice(0, 200) ?? ""})`);
  };
  process.on("uncaughtException", late);
  process.on("unhandledRejection", late);
  const listScratch = () => {
    try {
      return fs.readdirSync(scratchDir).filter((name) => !keep.has(name));
    } catch {
      return [];
    }
  };
  const removeScratch = (name) => {
    try {
      asOwnWork(() => fs.rmSync(join(scratchDir, name), { recursive: true, force: true }));
    } catch {
    }
  };
  let timersBefore = 0;
  return {
    begin() {
      timersBefore = activeTimers();
      for (const name of listScratch()) {
        note(`creates a file (${name}) in its working directory`);
        removeScratch(name);
      }
      return pending.splice(0);
    },
    async end() {
      await new Promise((resolve) => setImmediate(resolve));
      if (activeTimers() > timersBefore) await new Promise((r) => setTimeout(r, 5));
      for (const name of listScratch()) {
        note(`creates a file (${name}) in its working directory`);
        removeScratch(name);
      }
      return pending.splice(0);
    }
  };
}

const exitProcess = process.exit.bind(process);
async function runExplorerChild(requestPath2) {
  const request = JSON.parse(readFileSync(requestPath2, "utf8"));
  const write = (message) => asOwnWork(() => appendFileSync(request.outputFile, JSON.stringify(message) + "\n"));
  if (request.mode === "seeds") {
    const { sourceSeeds } = await import('./chunk-source-literals.js');
    write({ type: "seeds", ...sourceSeeds(request.source, request.language, request.exports) });
    return;
  }
  const clock = performance.now.bind(performance);
  const started = clock();
  quietProcess();
  const instrumented = registerExplorerHooks(request.module.file);
  let namespace;
  try {
    const loaded = await import(pathToFileURL(request.module.file).href);
    namespace = request.module.importedByName ? esModuleView(loaded) : loaded;
  } catch (error) {
    write({
      type: "load-error",
      message: error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    });
    return;
  }
  const loadUnits = [...snapshotCounters(instrumented.counters())].filter(([, count]) => count > 0).map(([unit]) => unit);
  const symbols = callableSymbols(request.module.exports, namespace);
  write({
    type: "loaded",
    units: instrumented.units(),
    loadUnits,
    runtimeExports: Object.entries(namespace).map(([name, value]) => [
      name,
      typeof value === "function" ? symbols.find((s) => s.name === name)?.kind === "class" ? "class" : "function" : "value"
    ])
  });
  const guard = installSideEffectGuard(process.cwd(), new Set(readdirSync(process.cwd())));
  const guardedRun = async (program, index2) => {
    const earlier = guard.begin();
    if (earlier.length > 0 && index2 > 0)
      write({ type: "hazard", index: index2 - 1, hazards: earlier });
    const before = snapshotCounters(instrumented.counters());
    const run = await runProgram(program, namespace, request.callTimeoutMs);
    const units = unitsCoveredBetween(before, snapshotCounters(instrumented.counters()));
    const hazards = await guard.end();
    return { run, units, hazards };
  };
  const finish = (count) => {
    const late = guard.begin();
    if (late.length > 0 && count > 0) write({ type: "hazard", index: count - 1, hazards: late });
    write({ type: "done" });
  };
  if (request.mode === "replay") {
    for (const [index2, program] of request.programs.entries()) {
      const { run, units, hazards } = await guardedRun(program, index2);
      write({ type: "program", index: index2, program, result: withHazards(run.result, units, hazards) });
    }
    finish(request.programs.length);
    return;
  }
  const engine = new ExplorationEngine(symbols, {
    seed: request.seed,
    maxCallsPerSymbol: request.maxCallsPerSymbol,
    literals: request.module.literals,
    propertyHints: request.module.propertyHints,
    ...request.module.propertyValues ? { propertyValues: request.module.propertyValues } : {},
    exportedEnums: new Set(
      request.module.enumNames ?? request.module.exports.filter((e) => e.kind === "enum").map((e) => e.name)
    )
  });
  let index = 0;
  while (clock() - started < request.budgetMs) {
    const program = engine.next();
    if (!program) break;
    const { run, units, hazards } = await guardedRun(program, index);
    engine.record(program, run.result, run.values, engine.categoriesOf(program), hazards);
    write({ type: "program", index, program, result: withHazards(run.result, units, hazards) });
    index += 1;
  }
  finish(index);
}
function withHazards(result, units, hazards) {
  return { ...result, units, ...hazards.length > 0 ? { hazards } : {} };
}
function quietProcess() {
  const noop = () => void 0;
  for (const method of [
    "log",
    "info",
    "warn",
    "error",
    "debug",
    "trace",
    "dir",
    "table"
  ]) {
    console[method] = noop;
  }
  process.exit = (code) => {
    throw new Error(`process.exit(${code ?? ""}) called`);
  };
  process.on("uncaughtException", noop);
  process.on("unhandledRejection", noop);
}
const requestPath = process.argv[2];
if (requestPath !== void 0 && process.argv[1] !== void 0 && // Node runs the entry from its real path: a symlinked folder on the way (a linked
// node_modules, a linked checkout) must not make the child skip its own work.
import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  await runExplorerChild(requestPath);
  exitProcess(0);
}

export { runExplorerChild };
