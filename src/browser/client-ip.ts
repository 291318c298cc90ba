import { BlockList, isIP } from 'node:net';

/**
 * Whether an address is one of the configured proxies (IPs or CIDRs); `::ffff:` forms of IPv4 match
 * IPv4 entries. Used to decide whose forwarding headers (X-Forwarded-For, X-Forwarded-Proto) to believe.
 */
export function createTrustedProxyCheck(trustedProxies: readonly string[]): (ip: string | undefined) => boolean {
  const list = new BlockList();
  for (const entry of trustedProxies) {
    const [addr, bits] = entry.split('/');
    if (!addr) continue;
    const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return (ip) => {
    if (!ip) return false;
    const plain = unmap(ip);
    const kind = isIP(plain);
    return kind !== 0 && list.check(plain, kind === 6 ? 'ipv6' : 'ipv4');
  };
}

/**
 * The client IP of a request. X-Forwarded-For is trusted only when the socket peer is one of the
 * configured proxies (`trusted`, from createTrustedProxyCheck); anyone else could write any address into that header.
 */
export function createClientIpResolver(trusted: (ip: string | undefined) => boolean) {

  return (peer: string | undefined, forwardedFor: string | string[] | undefined): string | undefined => {
    const socketIp = peer ? unmap(peer) : undefined;
    if (!socketIp || !trusted(socketIp) || forwardedFor === undefined) return socketIp;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map((s) => unmap(s.trim())).filter((s) => s !== '');
    // Walk from the nearest hop: the first address not of our own proxies is the client.
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (isIP(hop) === 0) return socketIp;
      if (!trusted(hop) || i === 0) return hop;
    }
    return socketIp;
  };
}

/** `::ffff:203.0.113.9` → `203.0.113.9`, so IPv4 lists match dual-stack sockets. */
function unmap(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}
