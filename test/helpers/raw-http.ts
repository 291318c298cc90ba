import { connect } from 'node:net';

export interface RawExchange {
  /** Everything the server wrote before closing (status line, headers, body). */
  response: string;
  /** The status code of the first response line, or null when the server closed without answering. */
  status: number | null;
  /** Ms from connecting until the first response byte (null: none came). */
  answeredAfterMs: number | null;
  /** Ms from connecting until the server closed the connection. */
  closedAfterMs: number;
}

/**
 * One HTTP/1.1 exchange over a raw socket, for clients no HTTP library would imitate: `head` is written
 * as is, then `body` chunks `chunkIntervalMs` apart (a slow client); `stallAfterBody` leaves the socket
 * open without finishing. Resolves when the server closes the connection, or rejects after `timeoutMs`
 * (the server kept a stalled client). Write errors after the server answered (EPIPE, ECONNRESET) are
 * expected when it closes early and are ignored.
 */
export function rawExchange(
  url: string,
  head: string,
  opts: { body?: Buffer[]; chunkIntervalMs?: number; timeoutMs?: number } = {},
): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    let answeredAfterMs: number | null = null;
    let closed = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${opts.timeoutMs ?? 10_000} ms; got: ${Buffer.concat(chunks).toString('latin1').slice(0, 200)}`));
    }, opts.timeoutMs ?? 10_000);
    socket.on('data', (d: Buffer) => {
      answeredAfterMs ??= Date.now() - started;
      chunks.push(d);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      clearTimeout(timer);
      const response = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(response);
      resolve({ response, status: m ? Number(m[1]) : null, answeredAfterMs, closedAfterMs: Date.now() - started });
    });
    socket.on('connect', () => {
      socket.write(head);
      const body = opts.body ?? [];
      let i = 0;
      const next = () => {
        if (closed || i >= body.length) return;
        socket.write(body[i++] as Buffer);
        if (opts.chunkIntervalMs) setTimeout(next, opts.chunkIntervalMs);
        else next();
      };
      next();
    });
  });
}

/** A request head with the given method, path and headers (Host and Content-Length as given). */
export function requestHead(method: string, path: string, headers: Record<string, string | number>): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: relay.test', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}
