// `embly new NAME --language LANG [--gateway http:PORT|tcp:PORT]`: a new
// function in ./NAME/, a hello in its language, added to the project file
// of the folder (written if there is none; edited in place if there is,
// comments kept). It builds and answers at once (docs/new.md).
import { InvalidArgumentError, Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { NewFunctionError } from '../errors.js';
import { addToProjectFile, type NewGatewayEntry } from '../new/project-edit.js';
import { helloSources, NEW_LANGUAGES, type NewLanguage } from '../new/templates.js';
import { PROJECT_FILE_NAME, type GatewayType } from '../project/index.js';
import { NAME_PATTERN } from '../project/schema.js';
import { path } from './flags.js';
import { withExitStatus } from './program.js';

interface NewFlags { language: NewLanguage; gateway?: { type: GatewayType; port: number }; project?: string; }

/** NAME: as the project file's names are (schema.ts). */
function functionName(text: string): string {
  if (!NAME_PATTERN.test(text)) throw new InvalidArgumentError('It must be lower-case letters, digits, - and _, starting with a letter or digit (at most 63).');
  return text;
}

/** --gateway http:PORT or tcp:PORT */
function gatewayFlag(text: string): { type: GatewayType; port: number } {
  const match = /^(http|tcp):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) throw new InvalidArgumentError('It must be http:PORT or tcp:PORT, a port from 1 to 65535 (http:8080, say).');
  return { type: match[1] as GatewayType, port };
}

export function addNewCommand(program: Command): void {
  program.command('new')
    .description("add a function to the project in the current folder: a hello in ./NAME/, built and answering at once")
    .argument('<name>', 'the function (and its folder)', functionName)
    .addOption(new Option('-l, --language <language>', "the function's language").choices(NEW_LANGUAGES).makeOptionMandatory())
    .option('-g, --gateway <type:port>', 'also a gateway named after it: http:PORT or tcp:PORT', gatewayFlag)
    .option('-p, --project <dir>', 'the directory of embly-project.yml (default: the current one)', path)
    .action(withExitStatus(create));
}

async function create(name: string, flags: NewFlags): Promise<number> {
  const root = resolve(flags.project ?? process.cwd());
  const file = join(root, PROJECT_FILE_NAME);
  const folder = join(root, name);
  if (existsSync(folder)) throw new NewFunctionError(`${folder} exists already: choose another name, or remove it`);
  const existing = existsSync(file) ? await readFile(file, 'utf8') : undefined;
  const gateway: NewGatewayEntry | undefined = flags.gateway && { name, ...flags.gateway, function: name };
  // Checked before anything is written: a clash leaves no half-made function behind.
  const text = addToProjectFile(existing, file, { name, path: `./${name}`, language: flags.language }, gateway);
  for (const [relative, contents] of Object.entries(helloSources(flags.language, name))) {
    await mkdir(dirname(join(folder, relative)), { recursive: true });
    await writeFile(join(folder, relative), contents);
  }
  await writeFile(file, text);
  console.log(`embly new: ${name}/ (${flags.language}) ${existing === undefined ? 'in a new' : 'added to'} ${file}`);
  console.log(`  embly build && printf 'GET / HTTP/1.1\\r\\n\\r\\n' | embly exec ${name}`);
  if (gateway) console.log(`  embly dev, then: ${gateway.type === 'http' ? `curl http://127.0.0.1:${gateway.port}/` : `nc 127.0.0.1 ${gateway.port}`}`);
  return 0;
}
