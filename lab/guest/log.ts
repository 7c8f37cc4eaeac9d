// A small line logger for the guest agent. Secrets (the instance RPC key, AMQP
// passwords, root passwords from prepare) are registered once and masked in
// every line, so a careless message can't leak them into the VM's logs.
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** Masks `secret` in all later lines (ignores strings shorter than 4 characters). */
  addSecret(secret: string | null | undefined): void;
}

export function createLogger(opts: { level?: Level; write?: (line: string) => void; name?: string } = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const secrets = new Set<string>();
  const mask = (s: string): string => {
    let out = s;
    for (const secret of secrets) out = out.split(secret).join('***');
    return out;
  };
  const emit = (level: Level, msg: string) => {
    if (ORDER[level] < min) return;
    write(mask(`${new Date().toISOString()} ${level.toUpperCase()} ${opts.name ?? 'trove-guest'}: ${msg}`));
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
    addSecret: (s) => {
      if (s && s.length >= 4) secrets.add(s);
    },
  };
}

/** A logger that drops everything (tests that don't care). */
export const silentLogger = (): Logger => createLogger({ write: () => {} });

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
