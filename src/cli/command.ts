/**
 * The shape of a `warren` subcommand. Each lives in its own module under commands/ and is
 * listed in commands/index.ts; main.ts only dispatches. A command resolves to its exit code:
 * 0 success, 1 a user error (reported as one clear line by throwing UserError), 2 bad usage.
 */
export interface CliCommand {
  /** The word after `warren`. */
  name: string;
  /** One line for `warren --help`. */
  summary: string;
  /** The full text of `warren <name> --help`. */
  usage: string;
  run(argv: string[], io: CliIO): Promise<number>;
}

/** Where a command writes; tests may capture it, the bin uses the process streams. */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  verbose: boolean;
}

/**
 * An error the user can fix (bad JSON, refused connection, unknown procedure): main prints
 * its message as one line, without a stack trace unless --verbose, and exits 1.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    readonly exitCode = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
