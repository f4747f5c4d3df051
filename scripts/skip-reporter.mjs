// A node:test reporter that prints nothing and appends every skipped test or suite (file, name, reason)
// to the file named by FABRICA_SKIP_LOG: run-tests.mjs reads it to fail a CI run that skipped anything.
import { appendFileSync } from 'node:fs';

export default async function* skipReporter(source) {
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.skip !== undefined) {
      const reason = event.data.skip === true ? 'skipped' : String(event.data.skip);
      const where = event.data.file === undefined ? '' : `${event.data.file}: `;
      appendFileSync(process.env.FABRICA_SKIP_LOG, `${where}${event.data.name}: ${reason}\n`);
    }
  }
  yield '';
}
