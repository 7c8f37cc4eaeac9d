// sqlWriteProbe: inserts sequential keys through the Galera endpoint every
// ~100 ms, recording for each key whether the server acknowledged it. After
// the fault, finalRead() lists what the table holds, and lostWrites() (checks)
// demands every acknowledged key be there. An unacknowledged key is
// indeterminate (it may or may not have committed) and is never reused.
// On any error the connection is dropped and the next attempt reconnects.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import type { Environment } from '../env/schema.ts';
import { ConfigError } from '../env/errors.ts';
import { redact, resolveSecret } from '../env/secrets.ts';
import { nowMs } from './clock.ts';
import type { History, HistoryEntry, Probe } from './history.ts';
import { BoundedLoop } from './loop.ts';

export interface SqlEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface WriteEntry extends HistoryEntry {
  key: number;
}

export interface SqlWriteProbeOptions {
  intervalMs?: number;
  maxDurationMs: number;
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  table?: string;
  /** The harness run this probe belongs to; each probe adds its own suffix, so two probes of one run never share keys. */
  runId?: string;
}

export interface SqlWriteProbe extends Probe<WriteEntry> {
  readonly runId: string;
  acknowledgedKeys(): number[];
  /** Every key of this run the table holds now (one query, fresh connection). */
  finalRead(): Promise<number[]>;
}

/** The environment's Galera endpoint and probe account (password resolved here, never logged). */
export function sqlEndpointFromEnv(env: Environment): SqlEndpoint {
  const g = env.galera;
  if (!g) throw new ConfigError(`environment ${env.name} declares no galera section; the SQL write probe needs galera.endpoint and galera.probeUser`);
  return { host: g.endpoint.host, port: g.endpoint.port, user: g.probeUser.username, password: resolveSecret(g.probeUser.password, 'galera.probeUser.password'), database: g.probeDatabase };
}

const NAME = /^[A-Za-z0-9_]{1,64}$/;

export function sqlWriteProbe(endpoint: SqlEndpoint, o: SqlWriteProbeOptions): SqlWriteProbe {
  const table = o.table ?? 'trove_ha_probe_writes';
  // Bound as a query parameter (never spliced into SQL); only its length matters (run VARCHAR(64)).
  const runId = `${o.runId ?? 'w'}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  if (!NAME.test(table) || !NAME.test(endpoint.database)) throw new ConfigError(`sqlWriteProbe: table and database must be plain names (got ${table}, ${endpoint.database})`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(runId)) throw new ConfigError(`sqlWriteProbe: run id must be at most 64 letters, digits, _ or - (got ${runId})`);
  const entries: WriteEntry[] = [];
  const connectTimeout = o.connectTimeoutMs ?? 2000;
  const queryTimeout = o.queryTimeoutMs ?? 2000;
  let conn: mysql.Connection | undefined;
  let tableReady = false;
  let nextKey = 1;

  const connect = async (): Promise<mysql.Connection> => {
    const c = await mysql.createConnection({ host: endpoint.host, port: endpoint.port, user: endpoint.user, password: endpoint.password, database: endpoint.database, connectTimeout });
    // A server that goes away emits 'error' on an idle connection; unhandled, it would end the process.
    c.on('error', () => {
      if (conn === c) conn = undefined;
    });
    return c;
  };
  const drop = () => {
    conn?.destroy();
    conn = undefined;
  };
  const describe = (e: unknown) => {
    const err = e as { code?: string; message?: string };
    return redact(`${err.code ?? 'error'}: ${(err.message ?? String(e)).split('\n')[0]!.slice(0, 160)}`, [endpoint.password]);
  };

  const loop = new BoundedLoop({
    intervalMs: o.intervalMs ?? 100,
    maxDurationMs: o.maxDurationMs,
    attempt: async () => {
      const key = nextKey++;
      const t = nowMs();
      try {
        conn ??= await connect();
        if (!tableReady) {
          // Galera replicates only InnoDB tables with a primary key.
          await conn.query({ sql: `CREATE TABLE IF NOT EXISTS \`${table}\` (run VARCHAR(64) NOT NULL, k BIGINT NOT NULL, written_at BIGINT NOT NULL, PRIMARY KEY (run, k)) ENGINE=InnoDB`, timeout: queryTimeout });
          tableReady = true;
        }
        await conn.query({ sql: `INSERT INTO \`${table}\` (run, k, written_at) VALUES (?, ?, ?)`, values: [runId, key, Math.round(t)], timeout: queryTimeout });
        entries.push({ t, op: 'insert', ok: true, latencyMs: Math.round(nowMs() - t), key });
      } catch (e) {
        drop();
        entries.push({ t, op: 'insert', ok: false, latencyMs: Math.round(nowMs() - t), key, detail: describe(e) });
      }
    },
    onError: () => undefined,
  });

  return {
    name: `SQL writes ${endpoint.host}:${endpoint.port}/${endpoint.database}.${table}`,
    runId,
    start: () => loop.start(),
    stop: async (): Promise<History<WriteEntry>> => {
      await loop.stop();
      drop();
      return [...entries];
    },
    history: () => [...entries],
    acknowledgedKeys: () => entries.filter((e) => e.ok).map((e) => e.key),
    async finalRead() {
      const c = await connect();
      try {
        const [rows] = await c.query({ sql: `SELECT k FROM \`${table}\` WHERE run = ? ORDER BY k`, values: [runId], timeout: queryTimeout });
        return (rows as Array<{ k: number | string }>).map((r) => Number(r.k));
      } finally {
        c.destroy();
      }
    },
  };
}
