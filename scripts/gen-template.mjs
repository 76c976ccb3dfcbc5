// Writes the Zabbix template (templates/template_app_procsock.xml) and its README from
// src/zabbix/template.ts and src/zabbix/readme.ts, so that they are built from the very constants
// the script uses. Part of `npm run build`.
// Under CI (CI set) the committed files are left alone: test/zabbix/template.test.ts then compares
// them with what the sources make, and fails when they are stale.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const bundle = await build({
  stdin: {
    contents: "export * from './src/zabbix/template.ts'; export * from './src/zabbix/readme.ts';",
    resolveDir: '.',
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node18',
  write: false,
  logLevel: 'warning',
});
const generated = await import(`data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0].text).toString('base64')}`);

for (const [path, text] of [
  [generated.TEMPLATE_PATH, generated.templateXml()],
  [generated.README_PATH, generated.templateReadme()],
]) {
  let current;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) continue;
  if (process.env.CI) {
    console.warn(`gen-template: ${path} differs from src/zabbix/; left as committed (CI)`);
    continue;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`gen-template: wrote ${path}`);
}
