/**
 * The server's log sink. One line per event (listening, connection opened / closed,
 * unexpected internal errors); the CLI prints them, tests inject a silent logger.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

/** Writes info lines to stdout and warnings to stderr, with an ISO timestamp. */
export const consoleLogger: Logger = {
  info: (message) => process.stdout.write(`${new Date().toISOString()} ${message}\n`),
  warn: (message) => process.stderr.write(`${new Date().toISOString()} ${message}\n`),
};

/** Drops everything (tests, embedded use). */
export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
};
