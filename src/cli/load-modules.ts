/**
 * Loads the modules named on `warren worker`'s command line and finds the @Service classes
 * they export. JavaScript is imported directly; TypeScript (.ts/.mts/.cts) through tsx's ESM
 * register API, which must be installed where the CLI or the current project can import it.
 * A class decorated by a different copy of Warren (its metadata keys are other Symbols) is
 * reported, because this CLI's framework could not see its handlers.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getServiceMetadata } from '../framework/metadata.js';
import { UserError } from './command.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- any class constructor
type ServiceClass = Function;

export interface FoundService {
  name: string;
  cls: ServiceClass;
  module: string;
}

const TS_FILE = /\.[mc]?ts$/;

/** Imports every module (in order) and returns the @Service classes they export. */
export async function loadServices(paths: readonly string[]): Promise<FoundService[]> {
  const found: FoundService[] = [];
  for (const path of paths) {
    const file = resolve(path);
    if (!existsSync(file)) throw new UserError(`cannot find module '${path}' (looked for ${file})`);
    if (TS_FILE.test(file)) await registerTsx();
    const exports = await importModule(file, path);
    found.push(...servicesOf(exports, path));
  }
  if (found.length === 0) {
    throw new UserError(
      `no @Service class exported by ${paths.join(', ')} (export the class: 'export class Mailer { … }')`,
    );
  }
  return found;
}

async function importModule(file: string, path: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UserError(`cannot load module '${path}': ${reason}`, 1, { cause: err });
  }
}

function servicesOf(exports: Record<string, unknown>, path: string): FoundService[] {
  const services: FoundService[] = [];
  for (const [exportName, value] of Object.entries(exports)) {
    if (typeof value !== 'function') continue;
    const meta = getServiceMetadata(value);
    if (meta) {
      services.push({ name: meta.name, cls: value, module: path });
    } else if (hasForeignServiceMetadata(value)) {
      throw new UserError(
        `'${exportName}' in ${path} is decorated by another copy of warren than this CLI's; ` +
          `run the project's own CLI (npx warren) so both use one copy`,
      );
    }
  }
  return services;
}

function hasForeignServiceMetadata(value: ServiceClass): boolean {
  return Reflect.getOwnMetadataKeys(value).some(
    (key) => typeof key === 'symbol' && key.description === 'warren:service',
  );
}

let tsxRegistered = false;

/** Registers tsx's ESM loader once, so TypeScript modules can be imported. */
async function registerTsx(): Promise<void> {
  if (tsxRegistered) return;
  let api: { register: () => unknown };
  try {
    api = await import('tsx/esm/api');
  } catch {
    throw new UserError(
      'loading a .ts module needs tsx: install it (npm install --save-dev tsx) or compile to .js first',
    );
  }
  api.register();
  tsxRegistered = true;
}
