/**
 * The admin API's IP allowlist: single addresses and CIDR networks, IPv4 and IPv6, matched with
 * node:net's BlockList. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, what a dual-stack socket reports
 * for an IPv4 client) are treated as the IPv4 address they carry, in entries and in clients alike.
 */
import { BlockList, isIP } from 'node:net';
import { appError } from '../../errors/index.js';

export interface IpAllowlist {
  /** true when `ip` is allowed (always true for an empty list). */
  allows(ip: string | undefined): boolean;
}

const MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** `::ffff:a.b.c.d` -> `a.b.c.d`; strips an IPv6 zone (`fe80::1%eth0`); anything else unchanged. */
export function normaliseIp(ip: string): string {
  const unzoned = ip.includes('%') ? ip.slice(0, ip.indexOf('%')) : ip;
  const m = MAPPED.exec(unzoned);
  return m ? m[1] : unzoned;
}

/**
 * Builds the matcher.
 * @param entries addresses (`10.0.0.5`, `::1`) and networks (`10.0.0.0/8`, `fd00::/8`, `::ffff:10.0.0.0/104`)
 * @throws AppError CONFIG_INVALID naming the first entry that is neither
 */
export function createIpAllowlist(entries: readonly string[] = []): IpAllowlist {
  if (entries.length === 0) return { allows: () => true };
  const list = new BlockList();
  for (const raw of entries) add(list, raw.trim());
  return {
    allows(ip) {
      if (ip === undefined) return false;
      const addr = normaliseIp(ip);
      const family = isIP(addr);
      if (family === 0) return false;
      return list.check(addr, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

function add(list: BlockList, entry: string): void {
  const slash = entry.indexOf('/');
  const invalid = (reason: string): Error =>
    appError('CONFIG_INVALID', { details: `adminApi.allowedIps: "${entry}" ${reason}`, suggestion: 'Use addresses like 10.0.0.5 or ::1 and networks like 10.0.0.0/8 or fd00::/8.' });
  if (slash < 0) {
    const addr = normaliseIp(entry);
    const family = isIP(addr);
    if (family === 0) throw invalid('is not an IP address');
    list.addAddress(addr, family === 4 ? 'ipv4' : 'ipv6');
    return;
  }
  let addr = entry.slice(0, slash);
  const prefixText = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) throw invalid('has an invalid prefix length');
  let prefix = Number(prefixText);
  const mapped = MAPPED.exec(addr);
  if (mapped) {
    // ::ffff:0:0/96 is the IPv4 space: a mapped network of /104 is the IPv4 network /8.
    if (prefix < 96) throw invalid('maps IPv4 but its prefix is shorter than /96');
    addr = mapped[1];
    prefix -= 96;
  }
  const family = isIP(addr);
  if (family === 0) throw invalid('is not an IP network');
  if (prefix > (family === 4 ? 32 : 128)) throw invalid('has a prefix length too long for its family');
  list.addSubnet(addr, prefix, family === 4 ? 'ipv4' : 'ipv6');
}
