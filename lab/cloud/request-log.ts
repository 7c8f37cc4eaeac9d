// One line per request: time, API, method, path, status, duration, request id.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export class RequestLog {
  private readonly out: WriteStream;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.out = createWriteStream(file, { flags: 'a' });
  }

  request(api: string, method: string, path: string, status: number, ms: number, requestId: string): void {
    this.out.write(`${new Date().toISOString()} ${api} ${method} ${path} ${status} ${ms.toFixed(1)}ms ${requestId}\n`);
  }

  note(text: string): void {
    this.out.write(`${new Date().toISOString()} ${text}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(resolve));
  }
}
