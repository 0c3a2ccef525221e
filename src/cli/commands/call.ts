/** `warren call <procedure> [json]`: calls an RPC and prints the reply as JSON. */
import { DEFAULT_RPC_TIMEOUT } from '../../framework/defaults.js';
import type { CliCommand } from '../command.js';
import { UserError } from '../command.js';
import { parseBrokerArgs, requireBrokerUrl, withClientApp } from '../connect.js';
import { parseJsonArg, parsePositiveInt } from '../json-arg.js';

const usage = `Usage: warren call <procedure> [json] [options]

Calls an @Rpc procedure on a running worker and prints the reply as JSON on stdout.
The request defaults to {}. Exits 1 with the remote error's message, on timeout, or when
no worker serves the procedure.

Options:
  --url <amqp-url>   Broker (default: $WARREN_URL; required)
  --timeout <ms>     How long to wait for the reply (default ${DEFAULT_RPC_TIMEOUT})
  --pretty           Indent the JSON reply

Example:
  warren call mailer.stats '{"since":0}' --url amqp://guest:guest@localhost:5672`;

export const callCommand: CliCommand = {
  name: 'call',
  summary: 'Call an RPC procedure and print the reply as JSON',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseBrokerArgs(argv, {
      timeout: { type: 'string' },
      pretty: { type: 'boolean', default: false },
    });
    const [procedure, json, ...extra] = positionals;
    if (procedure === undefined || extra.length > 0)
      throw new UserError(`expected <procedure> [json]\n${usage}`, 2);
    const request = parseJsonArg(json, 'request');
    const timeout = parsePositiveInt(values.timeout, '--timeout', DEFAULT_RPC_TIMEOUT);
    const url = requireBrokerUrl(values.url, 'call');
    const hint = `no worker serves procedure '${procedure}' (is one running on this broker?)`;
    return withClientApp(url, hint, async (app) => {
      const reply = await app.client.call(procedure, request, { timeout });
      io.out(JSON.stringify(reply ?? null, null, values.pretty ? 2 : undefined));
      return 0;
    });
  },
};
