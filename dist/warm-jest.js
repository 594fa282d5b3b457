import { createRequire as __testmasterCreateRequire } from 'node:module';
const require = __testmasterCreateRequire(import.meta.url);
const __filename = import.meta.filename;
const __dirname = import.meta.dirname;

import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { s as send, d as describe, m as markEndOfOutput } from './chunk-warm-child.js';

async function main() {
  process.on("disconnect", () => process.exit());
  const root = process.cwd();
  const require = createRequire(join(root, "package.json"));
  const jest = await import(pathToFileURL(require.resolve("jest")).href);
  const runCLI = jest.runCLI ?? jest.default?.runCLI;
  if (!runCLI) throw new Error(`the jest package in ${root} has no runCLI`);
  let queue = Promise.resolve();
  process.on("message", (message) => {
    if (message.type !== "run") return;
    queue = queue.then(() => runFiles(runCLI, root, message));
  });
  send({ type: "ready" });
}
async function runFiles(runCLI, root, message) {
  const { files, reportFile, coverageDirectory, collectCoverageFrom } = message.payload;
  try {
    await rm(reportFile, { force: true });
    const coverage = collectCoverageFrom ? {
      coverage: true,
      collectCoverageFrom: [...collectCoverageFrom],
      coverageReporters: ["json"],
      coverageDirectory,
      // The repository's thresholds are about its whole suite, not our candidates.
      coverageThreshold: "{}"
    } : { coverage: false };
    const { results } = await runCLI(
      {
        _: [...files],
        $0: "jest",
        runTestsByPath: true,
        runInBand: true,
        ci: true,
        watchman: false,
        json: true,
        outputFile: reportFile,
        ...coverage
      },
      [root]
    );
    const errors = results.runExecError ? [results.runExecError.message] : [];
    await markEndOfOutput();
    send({ type: "done", id: message.id, errors });
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
