/** `warren version`: prints the installed package version. */
import { readFileSync } from 'node:fs';
import type { CliCommand } from '../command.js';

export function packageVersion(): string {
  const url = new URL('../../../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version: string };
  return pkg.version;
}

export const versionCommand: CliCommand = {
  name: 'version',
  summary: 'Print the installed Warren version',
  usage: 'Usage: warren version\n\nPrints the installed Warren version.',
  run(_argv, io) {
    io.out(packageVersion());
    return Promise.resolve(0);
  },
};
