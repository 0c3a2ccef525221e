/**
 * Every `warren` subcommand, in the order `warren --help` lists them. Add a command by
 * writing its module beside this file and adding it here.
 */
import type { CliCommand } from '../command.js';
import { brokerCommand } from './broker.js';
import { versionCommand } from './version.js';

export const COMMANDS: readonly CliCommand[] = [brokerCommand, versionCommand];
