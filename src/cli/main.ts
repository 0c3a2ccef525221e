/**
 * The `warren` command line. Each subcommand lives in its own module under commands/;
 * main only parses the first word and dispatches, so `warren --help` stays fast.
 * Exit codes: 0 success, 1 user error (one clear line on stderr), 2 usage error.
 */
import { readFileSync } from 'node:fs';

interface CommandInfo {
  name: string;
  summary: string;
}

const COMMANDS: CommandInfo[] = [{ name: 'version', summary: 'Print the installed Warren version' }];

function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version: string };
  return pkg.version;
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: warren <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  -h, --help     Show help',
    '  -v, --version  Show version',
  ].join('\n');
}

/** Runs the CLI with the given arguments; resolves to the process exit code. */
export function main(argv: readonly string[]): Promise<number> {
  const [command] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    console.log(usage());
    return Promise.resolve(0);
  }
  if (command === '-v' || command === '--version' || command === 'version') {
    console.log(packageVersion());
    return Promise.resolve(0);
  }
  console.error(`warren: unknown command '${command}'. Run 'warren --help' for the list of commands.`);
  return Promise.resolve(2);
}
