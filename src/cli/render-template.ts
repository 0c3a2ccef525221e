/**
 * The template renderer behind `warren new` (syntax documented in templates/README.md):
 * `{{key}}` is replaced by a value, in file contents and in file names; an unknown key is an
 * error, so a typo in a template fails loudly. A file named `_gitignore` becomes `.gitignore`
 * (npm pack drops dot-files named .gitignore). `template.json` describes the template and is
 * not copied.
 */
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export type TemplateValues = Readonly<Record<string, string>>;

export interface TemplateInfo {
  name: string;
  description: string;
  dir: string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;
const META_FILE = 'template.json';

/** Replaces every `{{key}}`; throws on a key not in `values`. */
export function renderText(text: string, values: TemplateValues, where = 'template'): string {
  return text.replace(PLACEHOLDER, (_match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`${where}: unknown placeholder {{${key}}}`);
    return value;
  });
}

/** `my-service` / `my_service` / `my.service` → `MyService`. */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The templates under `root`, each a folder with a template.json `{ "description": … }`. */
export function listTemplates(root: string): TemplateInfo[] {
  return readdirSync(root)
    .filter((entry) => statSync(join(root, entry)).isDirectory())
    .sort()
    .map((name) => {
      const dir = join(root, name);
      const meta = JSON.parse(readFileSync(join(dir, META_FILE), 'utf8')) as { description?: string };
      return { name, description: meta.description ?? '', dir };
    });
}

/** Copies `from` into `to`, rendering names and contents; returns the written paths (relative). */
export function renderTree(from: string, to: string, values: TemplateValues): string[] {
  const written: string[] = [];
  const walk = (src: string, dest: string): void => {
    mkdirSync(dest, { recursive: true });
    for (const entry of readdirSync(src).sort()) {
      if (src === from && entry === META_FILE) continue;
      const source = join(src, entry);
      const target = join(dest, outputName(renderText(entry, values, entry)));
      if (statSync(source).isDirectory()) {
        walk(source, target);
      } else {
        const where = relative(from, source);
        writeFileSync(target, renderText(readFileSync(source, 'utf8'), values, where));
        written.push(relative(to, target));
      }
    }
  };
  walk(from, to);
  return written;
}

function outputName(name: string): string {
  return name === '_gitignore' ? '.gitignore' : name;
}
