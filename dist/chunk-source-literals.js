import { createRequire as __testmasterCreateRequire } from 'node:module';
const require = __testmasterCreateRequire(import.meta.url);
const __filename = import.meta.filename;
const __dirname = import.meta.dirname;

import { t as ts } from './chunk-typescript.js';
import { s as seededRandom } from './chunk-exploration-engine.js';
import 'fs';
import 'path';
import 'os';
import 'inspector';

const MAX_SAMPLES_PER_REGEX = 4;
const MAX_REGEXES = 12;
const MAX_SAMPLE_LENGTH = 80;
const MAX_REPETITIONS = 1e4;
class Unsupported extends Error {
}
function chooser(seed) {
  const random = seededRandom(seed + 1);
  return (n) => n <= 1 ? 0 : Math.floor(random() * n);
}
class Sampler {
  constructor(pattern, choose, plain, spent) {
    this.pattern = pattern;
    this.choose = choose;
    this.plain = plain;
    this.spent = spent ?? { repetitions: 0 };
  }
  pattern;
  choose;
  plain;
  index = 0;
  /** Repetitions taken so far, shared with the samplers of nested groups. */
  spent;
  run() {
    const out = this.alternation();
    if (this.index < this.pattern.length) throw new Unsupported("trailing");
    return out;
  }
  peek() {
    return this.pattern[this.index];
  }
  alternation() {
    const branches = [this.sequence()];
    while (this.peek() === "|") {
      this.index += 1;
      branches.push(this.sequence());
    }
    return branches[this.plain ? 0 : this.choose(branches.length)] ?? "";
  }
  sequence() {
    let out = "";
    for (let c = this.peek(); c !== void 0 && c !== "|" && c !== ")"; c = this.peek()) {
      const atom = this.atom();
      out += this.quantified(atom);
    }
    return out;
  }
  quantified(atom) {
    const c = this.peek();
    let min = 1;
    let max = 1;
    if (c === "*" || c === "+" || c === "?") {
      this.index += 1;
      min = c === "+" ? 1 : 0;
      max = c === "?" ? 1 : min + 2;
    } else if (c === "{") {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.pattern.slice(this.index));
      if (match) {
        this.index += match[0].length;
        min = Number(match[1]);
        max = match[2] === void 0 ? min : match[3] ? Number(match[3]) : min + 2;
      }
    }
    if (this.peek() === "?") this.index += 1;
    if (min > MAX_SAMPLE_LENGTH) throw new Unsupported("repetition");
    const count = this.plain ? Math.max(min, Math.min(1, max)) : min + this.choose(Math.min(max, min + 3) - min + 1);
    let out = "";
    for (let i = 0; i < count; i += 1) {
      this.spent.repetitions += 1;
      if (this.spent.repetitions > MAX_REPETITIONS) throw new Unsupported("too many repetitions");
      out += atom();
      if (out.length > MAX_SAMPLE_LENGTH) throw new Unsupported("too long");
    }
    return out;
  }
  /** Parses one atom and returns a generator for it (called once per repetition). */
  atom() {
    const c = this.peek();
    if (c === void 0) throw new Unsupported("end");
    this.index += 1;
    if (c === "(") {
      let lookaround = false;
      if (this.pattern.startsWith("?:", this.index)) this.index += 2;
      else if (this.pattern.startsWith("?=", this.index) || this.pattern.startsWith("?!", this.index)) {
        this.index += 2;
        lookaround = true;
      } else if (this.pattern.startsWith("?<=", this.index) || this.pattern.startsWith("?<!", this.index)) {
        this.index += 3;
        lookaround = true;
      } else if (this.pattern.startsWith("?<", this.index)) {
        const close = this.pattern.indexOf(">", this.index);
        if (close < 0) throw new Unsupported("group name");
        this.index = close + 1;
      }
      const start = this.index;
      const value = this.alternation();
      if (this.peek() !== ")") throw new Unsupported("group");
      this.index += 1;
      const end = this.index - 1;
      if (lookaround) return () => "";
      let first = true;
      return () => {
        if (first) {
          first = false;
          return value;
        }
        return new Sampler(
          this.pattern.slice(start, end),
          this.choose,
          this.plain,
          this.spent
        ).run();
      };
    }
    if (c === "[") return this.characterClass();
    if (c === "\\") return this.escape();
    if (c === "^" || c === "$") return () => "";
    if (c === ".") return () => "a";
    if (c === "*" || c === "+" || c === "?" || c === ")") throw new Unsupported(c);
    return () => c;
  }
  escape() {
    const c = this.peek();
    if (c === void 0) throw new Unsupported("escape");
    this.index += 1;
    const digits = "0123456789";
    switch (c) {
      case "d":
        return () => this.plain ? "1" : digits[1 + this.choose(9)] ?? "1";
      case "w":
        return () => this.plain ? "a" : "abcxyz_09"[this.choose(9)] ?? "a";
      case "s":
        return () => " ";
      case "D":
      case "W":
      case "S":
        return () => c === "S" ? "a" : "-";
      case "b":
      case "B":
        return () => "";
      case "n":
        return () => "\n";
      case "t":
        return () => "	";
      case "r":
        return () => "\r";
      case "x": {
        const hex = this.pattern.slice(this.index, this.index + 2);
        this.index += 2;
        return () => String.fromCharCode(parseInt(hex, 16));
      }
      case "u": {
        const hex = this.pattern.slice(this.index, this.index + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Unsupported("unicode escape");
        this.index += 4;
        return () => String.fromCharCode(parseInt(hex, 16));
      }
      default:
        if (/\d/.test(c) || c === "k" || c === "p" || c === "P")
          throw new Unsupported("backreference or property");
        return () => c;
    }
  }
  characterClass() {
    const negated = this.peek() === "^";
    if (negated) this.index += 1;
    const singles = [];
    const ranges = [];
    let first = true;
    while (this.peek() !== "]" || first) {
      first = false;
      let c = this.peek();
      if (c === void 0) throw new Unsupported("class");
      this.index += 1;
      if (c === "\\") {
        const e = this.peek();
        this.index += 1;
        if (e === "d") ranges.push(["0", "9"]);
        else if (e === "w") ranges.push(["a", "z"]);
        else if (e === "s") singles.push(" ");
        else if (e === "n") singles.push("\n");
        else if (e === "t") singles.push("	");
        else if (e !== void 0 && /[A-Za-z]/.test(e)) throw new Unsupported("class escape");
        else if (e !== void 0) singles.push(e);
        continue;
      }
      if (this.peek() === "-" && this.pattern[this.index + 1] !== "]" && this.pattern[this.index + 1] !== void 0) {
        this.index += 1;
        let end = this.peek() ?? c;
        this.index += 1;
        if (end === "\\") {
          end = this.peek() ?? c;
          this.index += 1;
        }
        ranges.push([c, end]);
        continue;
      }
      c = c ?? "";
      singles.push(c);
    }
    this.index += 1;
    const inClass = (ch) => singles.includes(ch) || ranges.some(([a, b]) => ch >= a && ch <= b);
    if (negated) {
      const pick = ["a", "x", "0", "_", " ", "-", "Z"].find((ch) => !inClass(ch));
      if (pick === void 0) throw new Unsupported("negated class");
      return () => pick;
    }
    const options = [
      ...ranges.map(
        ([a, b]) => this.plain ? a : String.fromCharCode(
          a.charCodeAt(0) + this.choose(b.charCodeAt(0) - a.charCodeAt(0) + 1)
        )
      ),
      ...singles
    ];
    if (options.length === 0) throw new Unsupported("empty class");
    return () => {
      const picked = ranges.length > 0 && !this.plain ? this.choose(ranges.length + singles.length) : 0;
      if (picked < ranges.length) {
        const [a, b] = ranges[picked] ?? ["a", "a"];
        return this.plain ? a : String.fromCharCode(
          a.charCodeAt(0) + this.choose(b.charCodeAt(0) - a.charCodeAt(0) + 1)
        );
      }
      return singles[picked - ranges.length] ?? options[0] ?? "";
    };
  }
}
function sampleRegex(source, flags = "") {
  let regex;
  try {
    regex = new RegExp(source, flags.replace(/[gy]/g, ""));
  } catch {
    return [];
  }
  const out = /* @__PURE__ */ new Set();
  for (let variant = 0; variant < MAX_SAMPLES_PER_REGEX * 3 && out.size < MAX_SAMPLES_PER_REGEX; variant += 1) {
    try {
      const sample = new Sampler(source, chooser(variant), variant === 0).run();
      if (sample.length <= MAX_SAMPLE_LENGTH && regex.test(sample)) out.add(sample);
    } catch {
      return [...out];
    }
  }
  return [...out];
}
function regexLiterals(source) {
  const out = [];
  const pattern = /(^|[=(,:!&|?;{}[\]]|return|typeof)\s*\/((?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\n\\[])+)\/([dgimsuyv]*)/g;
  for (const match of source.matchAll(pattern)) {
    const body = match[2];
    if (body === void 0 || body.startsWith("*") || body.startsWith("/")) continue;
    out.push({ source: body, flags: match[3] ?? "" });
    if (out.length >= MAX_REGEXES) break;
  }
  return out;
}

const MAX_LITERALS = 40;
const MAX_LITERAL_LENGTH = 80;
function sourceSeeds(source, language, exports) {
  return {
    literals: extractLiterals(source, language, exports),
    propertyHints: extractPropertyHints(source),
    propertyValues: extractPropertyValues(source)
  };
}
function extractLiterals(source, language, exports = []) {
  const counts = /* @__PURE__ */ new Map();
  const add = (repr) => {
    const key = JSON.stringify(repr);
    const entry = counts.get(key);
    if (entry) entry.count += 1;
    else counts.set(key, { repr, count: 1, first: counts.size });
  };
  const scanner = ts.createScanner(
    ts.ScriptTarget.Latest,
    true,
    language === "ts" ? ts.LanguageVariant.Standard : ts.LanguageVariant.JSX,
    source
  );
  let previous = "";
  let beforePrevious = "";
  const searched = /* @__PURE__ */ new Set();
  let argument;
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (argument !== void 0 && (token === ts.SyntaxKind.CloseParenToken || token === ts.SyntaxKind.CommaToken))
      searched.add(argument);
    argument = void 0;
    if (token === ts.SyntaxKind.StringLiteral || token === ts.SyntaxKind.NoSubstitutionTemplateLiteral) {
      const text = scanner.getTokenValue();
      const specifier = previous === "from" || previous === "import" || previous === "(" && (beforePrevious === "require" || beforePrevious === "import");
      if (!specifier && text.length <= MAX_LITERAL_LENGTH && !text.includes("${")) {
        add({ t: "string", v: text });
        if (previous === "(" || previous === ",") argument = text;
      }
    } else if (token === ts.SyntaxKind.NumericLiteral) {
      const value = Number(scanner.getTokenValue());
      if (Number.isFinite(value)) add({ t: "number", v: String(previous === "-" ? -value : value) });
    }
    if (token !== ts.SyntaxKind.WhitespaceTrivia && token !== ts.SyntaxKind.NewLineTrivia) {
      beforePrevious = previous;
      previous = scanner.getTokenText();
    }
  }
  for (const symbol of exports) {
    for (const signature of symbol.signatures ?? []) {
      for (const parameter of signature.parameters) {
        const value = parameter.defaultText === void 0 ? void 0 : literalOf(parameter.defaultText);
        if (value) add(value);
      }
    }
  }
  const written = [...counts.values()].filter((entry) => !(entry.repr.t === "number" && ["0", "1", "-1"].includes(entry.repr.v))).sort((a, b) => b.count - a.count || a.first - b.first).map((entry) => entry.repr);
  const matching = regexLiterals(source).flatMap(
    (regex) => sampleRegex(regex.source, regex.flags).slice(0, 2)
  );
  const structured = delimitedStrings(searched);
  const seen = /* @__PURE__ */ new Set();
  const out = [];
  for (const repr of [
    // Groups first: there are at most two, and a regex-heavy module would crowd them out.
    ...[...structured, ...matching].map((v) => ({ t: "string", v })),
    ...written
  ]) {
    const key = JSON.stringify(repr);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(repr);
  }
  return out.slice(0, MAX_LITERALS);
}
const BRACKETS = [
  ["{", "}"],
  ["(", ")"],
  ["[", "]"]
];
const SEPARATORS = [",", "..", "|", ":", ";", "="];
function delimitedStrings(searched) {
  const out = [];
  for (const [open, close] of BRACKETS) {
    if (!searched.has(open) || !searched.has(close)) continue;
    const separators = SEPARATORS.filter((separator) => searched.has(separator));
    for (const separator of separators)
      out.push(separator === ".." ? `a${open}1..3${close}b` : `a${open}b${separator}c${close}d`);
    if (separators.length === 0) out.push(`a${open}b${close}c`);
  }
  return out.slice(0, 2);
}
function addUpTo(sets, key, value, limit) {
  const set = sets.get(key) ?? /* @__PURE__ */ new Set();
  if (set.size < limit) set.add(value);
  sets.set(key, set);
}
function literalOf(text) {
  const trimmed = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return { t: "number", v: String(Number(trimmed)) };
  const quoted = /^(['"`])(.*)\1$/s.exec(trimmed);
  if (quoted?.[2] !== void 0 && !quoted[2].includes("${")) return { t: "string", v: quoted[2] };
  if (trimmed === "true" || trimmed === "false") return { t: "boolean", v: trimmed === "true" };
  return void 0;
}
const NOT_PARAMETERS = /* @__PURE__ */ new Set([
  "Math",
  "Object",
  "JSON",
  "Array",
  "Number",
  "String",
  "Boolean",
  "Symbol",
  "Promise",
  "Reflect",
  "Date",
  "RegExp",
  "Error",
  "console",
  "process",
  "module",
  "exports",
  "this",
  "super",
  "globalThis",
  "window",
  "Buffer"
]);
function extractPropertyValues(source) {
  const values = /* @__PURE__ */ new Map();
  const add = (key, value) => {
    if (key === void 0 || value === void 0 || value.length > MAX_LITERAL_LENGTH) return;
    addUpTo(values, key, value, 6);
  };
  const quoted = String.raw`(?<quote>['"])(?<value>(?:(?!\k<quote>)[^\\\n])*)\k<quote>`;
  const property = String.raw`\.(?<key>[A-Za-z_$][\w$]*)`;
  const equals = String.raw`\s*[!=]==?\s*`;
  const receiver = String.raw`(?:[A-Za-z_$][\w$]*\??\.)*[A-Za-z_$][\w$]*\??`;
  for (const pattern of [
    `${property}${equals}${quoted}`,
    `${quoted}${equals}${receiver}${property}`
  ])
    for (const match of source.matchAll(new RegExp(pattern, "g"))) {
      const before = source.slice(Math.max(0, match.index - 80), match.index);
      if (!/typeof\s+[\w$.?]*$/.test(before)) add(match.groups?.key, match.groups?.value);
    }
  return Object.fromEntries([...values].slice(0, 100).map(([key, set]) => [key, [...set]]));
}
function extractPropertyHints(source) {
  const hints = /* @__PURE__ */ new Map();
  for (const match of source.matchAll(/(?<![\w$.])([A-Za-z_$][\w$]*)\??\.([A-Za-z_$][\w$]*)/g)) {
    const [, name, key] = match;
    if (name === void 0 || key === void 0 || NOT_PARAMETERS.has(name)) continue;
    if ([
      "length",
      "toString",
      "valueOf",
      "hasOwnProperty",
      "constructor",
      "prototype",
      "call",
      "apply",
      "bind"
    ].includes(key))
      continue;
    addUpTo(hints, name, key, 12);
    if (hints.size > 300) break;
  }
  return Object.fromEntries([...hints].map(([name, keys]) => [name, [...keys]]));
}

export { extractLiterals, extractPropertyHints, extractPropertyValues, sourceSeeds };
