// Entry point: tsx lab/cloud/main.ts --config <file>
// Prints one "lab-cloud ready …" line on stdout once every API listens (what
// supervisors and tests wait for); SIGTERM/SIGINT close the servers and exit.
import { loadConfig } from './config.ts';
import { startLabCloud } from './lab-cloud.ts';

function configPath(argv: string[]): string {
  const i = argv.indexOf('--config');
  const value = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--config='))?.slice('--config='.length);
  if (!value) {
    process.stderr.write('usage: tsx lab/cloud/main.ts --config <file>\n');
    process.exit(2);
  }
  return value;
}

const config = loadConfig(configPath(process.argv.slice(2)));
const lab = await startLabCloud(config);
const p = config.ports;
process.stdout.write(`lab-cloud ready pid=${process.pid} host=${config.host} compute=${p.compute} network=${p.network} image=${p.image} volume=${p.volume} state=${lab.cloud.store.file}\n`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  lab.cloud.log.note(`lab cloud stopping on ${signal}`);
  void lab.stop().then(() => process.exit(0));
  setTimeout(() => process.exit(1), 5000).unref();
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
