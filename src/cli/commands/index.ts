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
import { statusCommand } from './status.js';
import { listCommand } from './list.js';
import { vhostsCommand } from './vhosts.js';
import { usersCommand } from './users.js';
import { permissionsCommand } from './permissions.js';
import { policiesCommand } from './policies.js';
import { definitionsCommand } from './definitions.js';
import { resetCommand } from './reset.js';
import { traceCommand } from './trace.js';
import { dataCommand } from './data.js';
import { deadCommand } from './dead.js';
import { jobsCommand } from './jobs.js';
import { schedulesCommand } from './schedules.js';

export const COMMANDS: readonly CliCommand[] = [
  workerCommand,
  callCommand,
  enqueueCommand,
  jobsCommand,
  publishCommand,
  purgeCommand,
  deleteCommand,
  deadCommand,
  newCommand,
  brokerCommand,
  statusCommand,
  listCommand,
  vhostsCommand,
  usersCommand,
  permissionsCommand,
  policiesCommand,
  definitionsCommand,
  resetCommand,
  traceCommand,
  dataCommand,
  schedulesCommand,
  versionCommand,
];
