import { createServer, connect, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Drops every open connection and refuses new ones (accepted, then reset): the database is unreachable. */
  cut(): void;
  /**
   * Holds every byte in both directions, the connections left open (accepted, never answered): packets
   * dropped on the way, as a blackholed failover address does. `restore()` delivers what was held.
   */
  stall(): void;
  /** Forwards again (and, after a stall, delivers what was held). */
  restore(): void;
  close(): Promise<void>;
}

/**
 * A TCP forwarder to `target` on a free port of 127.0.0.1, for network faults no database command can
 * make for one client alone: `cut()` makes the server unreachable for whoever connects through it, while
 * every other test keeps the real server.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let down = false;
  let stalled = false;
  let held: [Socket, Buffer][] = [];
  const server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(target);
    open.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    const forward = (to: Socket) => (d: Buffer) => {
      if (stalled) held.push([to, d]);
      else to.write(d);
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    cut() {
      down = true;
      for (const s of open) s.destroy();
      open.clear();
      held = [];
    },
    stall() {
      stalled = true;
    },
    restore() {
      down = false;
      stalled = false;
      for (const [to, d] of held.splice(0)) if (!to.destroyed) to.write(d);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
