/**
 * Every `warren` subcommand, in the order `warren --help` lists them. Add a command by
 * writing its module beside this file and adding it here.
 */
import type { CliCommand } from '../command.js';
import { brokerCommand } from './broker.js';
import { callCommand } from './call.js';
import { deleteCommand } from './delete.js';
import { enqueueCommand } from './enqueue.js';
import { newCommand } from './new.js';
import { publishCommand } from './publish.js';
import { purgeCommand } from './purge.js';
import { versionCommand } from './version.js';
import { workerCommand } from './worker.js';

export const COMMANDS: readonly CliCommand[] = [
  workerCommand,
  callCommand,
  enqueueCommand,
  publishCommand,
  purgeCommand,
  deleteCommand,
  newCommand,
  brokerCommand,
  versionCommand,
];
