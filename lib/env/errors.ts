/**
 * A problem with the operator's input (environment file, command line). The
 * CLI prints `problems` one per line and exits with code 2, before doing anything.
 */
export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly problems: string[] = [message],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}
