import { createRequire as __testmasterCreateRequire } from 'node:module';
const require = __testmasterCreateRequire(import.meta.url);
const __filename = import.meta.filename;
const __dirname = import.meta.dirname;

import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { s as send, d as describe, m as markEndOfOutput } from './chunk-warm-child.js';

function dropOwnLoaderFlags() {
  const kept = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const flag = process.execArgv[i] ?? "";
    const next = process.execArgv[i + 1] ?? "";
    if (flag === "--import" && /[\\/]tsx[\\/]/.test(next)) {
      i++;
      continue;
    }
    kept.push(flag);
  }
  process.execArgv.splice(0, process.execArgv.length, ...kept);
}
async function main() {
  const config = JSON.parse(process.argv[2] ?? "{}");
  process.on("disconnect", () => {
    const dir = dirname(config.reportFile);
    if (basename(dir).startsWith("testmaster-vitest-"))
      rmSync(dir, { recursive: true, force: true });
    process.exit();
  });
  dropOwnLoaderFlags();
  const root = process.cwd();
  const require = createRequire(join(root, "package.json"));
  const vitestNode = await import(pathToFileURL(require.resolve("vitest/node")).href);
  const consoleReporter = {
    onUserConsoleLog(log) {
      (log.type === "stderr" ? process.stderr : process.stdout).write(log.content);
    }
  };
  const coverage = config.coverageInclude ? {
    enabled: true,
    include: config.coverageInclude,
    reporter: ["json"],
    reportsDirectory: config.coverageDirectory,
    // Failing candidates still tell the healer what they reached.
    reportOnFailure: true,
    // The repository's thresholds are about its whole suite, not our candidates.
    thresholds: {}
  } : { enabled: false };
  const vitest = await vitestNode.createVitest(
    "test",
    {
      watch: false,
      reporters: ["json", consoleReporter],
      outputFile: { json: config.reportFile },
      coverage,
      passWithNoTests: true
    },
    {},
    { stdout: process.stdout, stderr: process.stderr }
  );
  await startWithoutRunning(vitest, require);
  process.on("message", (message) => {
    if (message.type === "run") void runFiles(vitest, config, message);
  });
  send({ type: "ready" });
}
async function startWithoutRunning(vitest, require) {
  if (typeof vitest.standalone === "function") return vitest.standalone();
  if (typeof vitest.init === "function") return vitest.init();
  let version = "of unknown version";
  try {
    version = require("vitest/package.json").version;
  } catch {
  }
  throw new Error(
    `TestMaster's vitest adapter cannot drive vitest ${version} (its Node API has neither standalone() nor init()); supported: vitest 4.0 to 5.x`
  );
}
async function runFiles(vitest, config, message) {
  try {
    await rm(config.reportFile, { force: true });
    for (const file of message.payload.files) vitest.invalidateFile(file);
    const specifications = message.payload.files.map((file) => {
      const project = vitest.projects.find((candidate) => candidate.matchesTestGlob(file));
      return (project ?? vitest.getRootProject()).createSpecification(file);
    });
    const result = await vitest.runTestSpecifications(specifications, true);
    await markEndOfOutput();
    send({ type: "done", id: message.id, errors: result.unhandledErrors.map(describe) });
  } catch (error) {
    await markEndOfOutput();
    send({ type: "failed", id: message.id, message: describe(error) });
  }
}
main().catch((error) => {
  send({ type: "fatal", message: describe(error) });
  process.exitCode = 1;
  process.disconnect?.();
});
