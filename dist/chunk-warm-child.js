import { createRequire as __testmasterCreateRequire } from 'node:module';
const require = __testmasterCreateRequire(import.meta.url);
const __filename = import.meta.filename;
const __dirname = import.meta.dirname;

function send(message) {
  process.send?.(message);
}
async function markEndOfOutput() {
  const marker = process.argv[3];
  if (!marker) return;
  await Promise.all(
    [process.stdout, process.stderr].map(
      (stream) => new Promise((resolve) => stream.write(marker, () => resolve()))
    )
  );
}
function describe(error) {
  return error instanceof Error ? error.stack ?? error.message : String(error);
}

export { describe as d, markEndOfOutput as m, send as s };
