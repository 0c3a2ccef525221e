/**
 * The `warren` command line. Each subcommand lives in its own module under commands/
 * (listed in commands/index.ts); main only finds the command and handles --help, --verbose
 * and errors, so every command behaves the same way:
 * exit 0 success, 1 user error (one clear line on stderr, no stack unless --verbose), 2 usage.
 */
import { UserError } from './command.js';
import type { CliIO } from './command.js';
import { COMMANDS } from './commands/index.js';
import { packageVersion } from './commands/version.js';

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
    '  -h, --help     Show help (also: warren <command> --help)',
    '  -v, --version  Show version',
    '  --verbose      Show stack traces for errors',
    '',
  ].join('\n');
}

const defaultIO = (verbose: boolean): CliIO => ({
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  verbose,
});

/** Runs the CLI with the given arguments; resolves to the process exit code. */
export async function main(argv: readonly string[], ioOverride?: CliIO): Promise<number> {
  const verbose = argv.includes('--verbose');
  const args = argv.filter((a) => a !== '--verbose');
  const io = ioOverride ?? defaultIO(verbose);
  const [name, ...rest] = args;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.out(usage());
    return 0;
  }
  if (name === '-v' || name === '--version') {
    io.out(packageVersion());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.err(`warren: unknown command '${name}'. Run 'warren --help' for the list of commands.`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    return reportError(err, command.name, io);
  }
}

function reportError(err: unknown, command: string, io: CliIO): number {
  const message = err instanceof Error ? err.message : String(err);
  io.err(`warren ${command}: ${message}`);
  if (io.verbose && err instanceof Error && err.stack) io.err(err.stack);
  if (err instanceof UserError) return err.exitCode;
  // A TypeError from node:util parseArgs is a usage mistake (unknown option, missing value).
  if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return 2;
  return 1;
}
