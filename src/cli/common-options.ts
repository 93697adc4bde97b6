import { Option, type Command } from 'commander';
import { integerOption } from './option-parsers.js';
import { addTlsOptions } from './tls-options.js';

// A client cannot connect to port 0 (only `sup server` may ask for any free port).
const parseClientPort = integerOption(1, 65_535);

/**
 * The flags every client command takes; precedence is flag, env, config file, default.
 * `quiet` says what --quiet leaves out, for a command whose output is not a single result.
 */
export function addCommonOptions(command: Command, quiet = 'print nothing but errors; the exit code tells the result'): Command {
  return addTlsOptions(command)
    .option('-H, --host <host>', 'server host (env SUP_HOST; default: 127.0.0.1)')
    .option('-p, --port <port>', 'server port (env SUP_PORT; default: 7877)', parseClientPort)
    .option('-u, --user <name>', 'username to log in as (env SUP_USER)')
    .option('-c, --config <file>', 'config file (env SUP_CONFIG; default: searched from here up)')
    .option('--timeout <ms>', 'give up on the whole operation after this long (default: 10000)', integerOption(1))
    .option('--json', 'print JSON instead of text, one value per result (failures too, with "error" and "exitCode")')
    .addOption(new Option('-q, --quiet', quiet).conflicts('json'));
}
