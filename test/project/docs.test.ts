// docs/project-file.md shows real files and real output; keep it honest.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { parseProject } from '../../src/project/index.js';
import { FILE, parseError } from './helpers.js';

// From dist/test/project/ back to the repository root.
const DOC = new URL('../../../docs/project-file.md', import.meta.url);

/** The fenced blocks whose info string is `language` ('' for plain blocks), in page order. */
async function codeBlocks(language: string): Promise<string[]> {
  const blocks: string[] = [];
  let open: { language: string; lines: string[] } | undefined;
  for (const line of (await readFile(DOC, 'utf8')).split('\n')) {
    const fence = /^\s*```(\w*)$/.exec(line);
    if (fence === null) {
      open?.lines.push(line);
    } else if (open === undefined) {
      open = { language: fence[1] ?? '', lines: [] };
    } else {
      if (open.language === language) blocks.push(open.lines.map((l) => l + '\n').join(''));
      open = undefined;
    }
  }
  return blocks;
}

test('the complete and the smallest example are valid', async (t) => {
  const [complete, smallest] = await codeBlocks('yaml');
  t.is(parseProject(complete ?? '', FILE).functions.length, 2);
  t.is(parseProject(smallest ?? '', FILE).functions.length, 1);
});

test('the error example prints exactly what the page shows', async (t) => {
  const yamlBlocks = await codeBlocks('yaml');
  const outputs = await codeBlocks('');
  const broken = yamlBlocks.find((block) => block.includes('langauge'));
  const shown = outputs.find((block) => block.includes('langauge'));
  t.truthy(broken);
  t.is(`${parseError(t, broken ?? '').message}\n`, shown ?? '');
});
