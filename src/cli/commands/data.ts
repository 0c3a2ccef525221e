/**
 * `warren data check DIR` and `warren data repair DIR [--apply]`: offline tools for a
 * broker data dir (run them while no broker uses the dir). Check lists every damaged file
 * with offset and kind; repair (a dry run unless --apply) salvages every readable record
 * into a consistent dir and moves the originals aside. Exit 0: clean (or repaired); 1:
 * damaged (check, dry run) or a repair that did not leave a clean dir; 2: bad usage.
 */
import { parseArgs } from 'node:util';
import { checkDataDir, repairDataDir } from '../../broker/store/data-dir-repair.js';
import type { DataDirReport } from '../../broker/store/data-dir-repair.js';
import { UserError } from '../command.js';
import type { CliCommand, CliIO } from '../command.js';

const USAGE = [
  'Usage: warren data check DIR',
  '       warren data repair DIR [--apply]',
  '',
  'Inspect or repair a broker data dir (warren broker --data-dir DIR); stop the broker first.',
  '',
  '  check         List what is damaged: file, offset, kind. Exit 0 clean, 1 damaged.',
  '  repair        Show what a repair would keep and lose (dry run, exit 1 if damaged).',
  '  repair --apply  Salvage every readable record into a consistent dir; the originals',
  '                are moved to DIR/damaged-<time>/. Exit 0 once the dir checks clean.',
].join('\n');

function printReport(r: DataDirReport, io: CliIO): void {
  for (const p of r.problems)
    io.out(`DAMAGED ${p.kind} ${p.file}${p.offset === undefined ? '' : ` @${p.offset}`}: ${p.detail}`);
  for (const n of r.notes)
    io.out(`note ${n.kind} ${n.file}${n.offset === undefined ? '' : ` @${n.offset}`}: ${n.detail}`);
  const records = r.files.reduce((n, f) => n + f.records, 0);
  const messages = [...r.messages.values()].reduce((a, b) => a + b, 0);
  io.out(
    `${r.dataDir}: ${r.problems.length === 0 ? 'clean' : `${r.problems.length} problem(s)`}; ${r.files.length} segment files, ${records} readable records, ${messages} messages in ${r.messages.size} queues`,
  );
}

function parse(argv: string[]): { action: string; dir: string; apply: boolean } {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { apply: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const [action, dir, ...extra] = positionals;
  if ((action !== 'check' && action !== 'repair') || dir === undefined || extra.length > 0)
    throw new UserError(
      `expected 'check DIR' or 'repair DIR [--apply]'. Run 'warren data --help' for usage`,
      2,
    );
  if (action === 'check' && values.apply) throw new UserError(`--apply goes with 'repair'`, 2);
  return { action, dir, apply: values.apply };
}

export const dataCommand: CliCommand = {
  name: 'data',
  summary: 'Check or repair a broker data dir (offline)',
  usage: USAGE,
  run(argv, io) {
    const { action, dir, apply } = parse(argv);
    if (action === 'check') {
      const report = checkDataDir(dir);
      printReport(report, io);
      return Promise.resolve(report.problems.length === 0 ? 0 : 1);
    }
    const result = repairDataDir(dir, { apply, report: (line) => io.out(line) });
    if (!result.damaged) {
      io.out(`${dir}: clean, nothing to repair`);
      return Promise.resolve(0);
    }
    if (!apply) {
      io.out('dry run: nothing was changed (add --apply to repair)');
      return Promise.resolve(1);
    }
    const after = checkDataDir(dir);
    printReport(after, io);
    return Promise.resolve(after.problems.length === 0 ? 0 : 1);
  },
};
