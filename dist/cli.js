#!/usr/bin/env node
import { createRequire as __testmasterCreateRequire } from 'node:module';
const require = __testmasterCreateRequire(import.meta.url);
const __filename = import.meta.filename;
const __dirname = import.meta.dirname;

const MINIMUM_NODE = [22, 15];
function unsupportedNode(version) {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  const [needMajor, needMinor] = MINIMUM_NODE;
  if (major > needMajor || major === needMajor && minor >= needMinor) return void 0;
  return `testmaster needs Node ${needMajor}.${needMinor} or later, this is Node ${version.replace(/^v/, "")}`;
}

const unsupported = unsupportedNode(process.version);
if (unsupported) {
  process.stderr.write(`error: ${unsupported}
`);
  process.exit(2);
}
const { main } = await import('./chunk-program.js');
process.exitCode = await main(process.argv);
