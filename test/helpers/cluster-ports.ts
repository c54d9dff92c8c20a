// Port bases for the cluster suites' temporal-server processes: each server uses base..base+10, its
// metrics port base+20 and its membership ports base-300..base-294 (stored as smallint: everything stays below 32768).
import net from 'node:net';

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.createServer().once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/**
 * `count` bases whose ports are all free, none within 350 of another (two bases 300 apart would
 * give one server's membership ports to the other's frontend). `offset` (0..49) keeps the files
 * of the suite on different bases: they step by 50 from 10,300 + offset.
 */
export async function freePortBases(count: number, offset = 0): Promise<number[]> {
  const bases: number[] = [];
  while (bases.length < count) {
    const base = 10_300 + offset + Math.floor(Math.random() * 380) * 50;
    if (bases.some((b) => Math.abs(base - b) <= 350)) continue;
    const ports = [...Array.from({ length: 11 }, (_, i) => base + i), base + 20, ...Array.from({ length: 7 }, (_, i) => base - 300 + i)];
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) bases.push(base);
  }
  return bases;
}
