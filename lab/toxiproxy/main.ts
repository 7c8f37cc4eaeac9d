// Entry point, with toxiproxy-server's flags:
//   tsx lab/toxiproxy/main.ts [--host 127.0.0.1] [--port 8474] [--config proxies.json]
// --config: a JSON list of proxies created at start, as POST /populate.
// Prints one "toxiproxy ready …" line once the API and every proxy listen;
// SIGTERM/SIGINT close everything and exit.
import { readFileSync } from 'node:fs';
import { ToxiproxyServer, VERSION } from './api.ts';

function flag(argv: string[], name: string): string | undefined {
  const i = argv.findIndex((a) => a === `--${name}` || a === `-${name}`);
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith(`--${name}=`) || a.startsWith(`-${name}=`))?.split('=').slice(1).join('=');
}

function fail(message: string): never {
  process.stderr.write(`toxiproxy: ${message}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const host = flag(argv, 'host') ?? '127.0.0.1';
const port = Number(flag(argv, 'port') ?? 8474);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a TCP port, got ${flag(argv, 'port')}`);
const configFile = flag(argv, 'config');

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
const server = new ToxiproxyServer(log);
if (configFile) {
  let list: unknown;
  try {
    list = JSON.parse(readFileSync(configFile, 'utf8'));
  } catch (e) {
    fail(`--config ${configFile}: ${(e as Error).message} (fix: a JSON list of {name, listen, upstream})`);
  }
  try {
    await server.populate(list);
  } catch (e) {
    fail(`--config ${configFile}: ${(e as Error).message}`);
  }
}
const bound = await server.listen(host, port).catch((e: Error) => fail(`API on ${host}:${port}: ${e.message}`));
log(`toxiproxy ready pid=${process.pid} version=${VERSION} api=${host}:${bound} proxies=${[...server.proxies.keys()].join(',') || 'none'}`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log(`toxiproxy stopping on ${signal}`);
  void server.close().then(() => process.exit(0));
  setTimeout(() => process.exit(1), 5000).unref();
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
