/** `warren new <name> --template <t>`: scaffolds a service project from templates/. */
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CliCommand, CliIO } from '../command.js';
import { UserError } from '../command.js';
import { listTemplates, pascalCase, renderTree, type TemplateInfo } from '../render-template.js';
import { packageVersion } from './version.js';

/** templates/ at the package root (the same depth from src/cli/commands and dist/cli/commands). */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../../templates/', import.meta.url));

/** The root of the installed package that is running this command. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');

const NAME = /^[a-z][a-z0-9-]{0,49}$/;

const usage = `Usage: warren new <name> --template <template> [options]
       warren new --list

Creates a new service project in ./<name> (or --dir) from a template: package.json,
tsconfig.json, a decorated service, a main.ts, a test on the embedded broker and a README.
The name must be lower-case letters, digits and dashes (it becomes the npm package name).

Options:
  -t, --template <name>  worker, rpc or pubsub (see --list)
  --dir <path>           Where to create the project (default ./<name>); must be empty
  --warren <spec>        The project's "warren" dependency (default: file:<this package's
                         directory>, since warren is not yet on the npm registry); e.g. a
                         tarball from \`npm pack\` (./warren-0.1.0.tgz) or, after a release, ^0.1.0
  --list                 List the templates

Example:
  warren new thumbnails --template worker && cd thumbnails && npm install && npm test`;

export const newCommand: CliCommand = {
  name: 'new',
  summary: 'Create a service project from a template',
  usage,
  run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        template: { type: 'string', short: 't' },
        dir: { type: 'string' },
        warren: { type: 'string' },
        list: { type: 'boolean', default: false },
      },
    });
    const templates = listTemplates(TEMPLATES_DIR);
    if (values.list) {
      printList(templates, io);
      return Promise.resolve(0);
    }
    const [name, ...extra] = positionals;
    if (name === undefined || extra.length > 0) throw new UserError(`expected <name>\n${usage}`, 2);
    if (!NAME.test(name)) {
      throw new UserError(
        `invalid name '${name}': use lower-case letters, digits and dashes, starting with a letter`,
      );
    }
    const template = pickTemplate(templates, values.template);
    const dir = resolve(values.dir ?? name);
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      throw new UserError(`refusing to write into ${dir}: the directory is not empty`);
    }
    const spec = warrenDependency(values.warren);
    const files = renderTree(template.dir, dir, {
      name,
      Name: pascalCase(name),
      queue: name,
      warrenSpec: spec,
      warrenVersion: `^${packageVersion()}`,
    });
    const shown = relative(process.cwd(), dir) || '.';
    io.out(`created ${shown} from the '${template.name}' template (${files.length} files)`);
    io.out(`its "warren" dependency is ${spec} (see its README: warren is not yet on the npm registry)`);
    io.out('');
    io.out(`  cd ${shown}`);
    io.out('  npm install');
    io.out('  npm test');
    io.out('  npm start');
    return Promise.resolve(0);
  },
};

/**
 * What the scaffold's package.json depends on. No registry has warren yet, so by default the
 * project links the installed package that ran `warren new`; a path given to --warren (a tarball
 * or a directory) is made absolute so the project installs from wherever it is run.
 */
export function warrenDependency(given: string | undefined): string {
  const spec = given ?? `file:${PACKAGE_ROOT}`;
  if (/["\\\n\r]/.test(spec)) {
    throw new UserError(`--warren '${spec}': quotes, backslashes and newlines are not allowed`);
  }
  const looksLikePath = /^[./]/.test(spec) || /\.(tgz|tar\.gz)$/.test(spec);
  if (given === undefined || !looksLikePath) return spec;
  const path = isAbsolute(given) ? given : resolve(given);
  if (!existsSync(path)) throw new UserError(`--warren '${given}': no such file or directory`);
  return `file:${path}`;
}

function pickTemplate(templates: readonly TemplateInfo[], wanted: string | undefined): TemplateInfo {
  const names = templates.map((t) => t.name).join(', ');
  if (wanted === undefined)
    throw new UserError(`pass --template <${templates.map((t) => t.name).join('|')}>`, 2);
  const template = templates.find((t) => t.name === wanted);
  if (!template) throw new UserError(`unknown template '${wanted}' (available: ${names})`);
  return template;
}

function printList(templates: readonly TemplateInfo[], io: CliIO): void {
  const width = Math.max(...templates.map((t) => t.name.length));
  for (const t of templates) io.out(`${t.name.padEnd(width)}  ${t.description}`);
}
