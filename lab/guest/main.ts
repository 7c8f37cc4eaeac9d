// Entry point inside a database VM:
//   tsx lab/guest/main.ts [--config-dir /etc/trove/conf.d]
// Picks the Datastore for guest_info.conf's datastore_manager, runs until
// SIGTERM/SIGINT, then closes the AMQP connection cleanly.
import { GuestAgent } from './agent.ts';
import { readGuestConfig } from './config.ts';
import { DATASTORES } from './datastores.ts';
import { createLogger, errorText } from './log.ts';

async function main(): Promise<void> {
  const i = process.argv.indexOf('--config-dir');
  const dir = i >= 0 ? process.argv[i + 1] : '/etc/trove/conf.d';
  if (!dir) throw new Error('--config-dir needs a directory');
  const config = readGuestConfig(dir);
  const factory = DATASTORES[config.datastoreManager];
  if (!factory) throw new Error(`no datastore implementation for datastore_manager=${config.datastoreManager} (have: ${Object.keys(DATASTORES).join(', ') || 'none'})`);
  const log = createLogger({ level: process.env.GUEST_DEBUG ? 'debug' : 'info' });
  log.addSecret(config.instanceRpcEncrKey);
  const { datastore, operations } = factory(config, log);
  const agent = new GuestAgent({ config, datastore, operations, log });
  await agent.start();
  const stop = () => void agent.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`trove-guest: ${errorText(err)}\n`);
  process.exit(1);
});
