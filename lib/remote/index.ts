// The SSH executor's public surface.
export { Remote, type RemoteOptions } from './remote.ts';
export type { CommandEvent, CommandResult, ExecOptions, RemoteExecutor } from './types.ts';
export {
  HostKeyRefusedError,
  RemoteCommandError,
  RemoteConnectError,
  RemoteConnectionLostError,
  RemoteError,
  RemoteTimeoutError,
} from './errors.ts';
export { shellQuote } from './shell-quote.ts';
export { sha256Fingerprint } from './fingerprint.ts';
