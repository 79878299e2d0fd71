/** Timing helpers: variants measured interleaved in rounds, medians reported, so machine noise hits all alike. */

export interface Variant {
  name: string;
  /** One operation; may be async. */
  run: () => unknown;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Nanoseconds per operation for each variant: `rounds` interleaved rounds of `ops` operations, median kept. */
export async function nsPerOp(variants: Variant[], { ops = 50_000, rounds = 7 } = {}): Promise<Map<string, number>> {
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (const v of variants) for (let i = 0; i < ops / 10; i++) await v.run(); // warm up (JIT)
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < ops; i++) await v.run();
      samples.get(v.name)!.push(Number(process.hrtime.bigint() - start) / ops);
    }
  }
  return new Map([...samples].map(([k, xs]) => [k, median(xs)]));
}

/** Same for synchronous operations (no await per op, which would dominate sub-microsecond work). */
export function nsPerOpSync(variants: Variant[], { ops = 100_000, rounds = 7 } = {}): Map<string, number> {
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (const v of variants) for (let i = 0; i < ops / 10; i++) v.run();
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < ops; i++) v.run();
      samples.get(v.name)!.push(Number(process.hrtime.bigint() - start) / ops);
    }
  }
  return new Map([...samples].map(([k, xs]) => [k, median(xs)]));
}

export { median };

/** Prints a table of rows. */
export function table(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  console.log(`\n${title}`);
  for (const [n, r] of cells.entries()) {
    console.log(`  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ')}`);
    if (n === 0) console.log(`  ${widths.map((w) => '-'.repeat(w)).join('   ')}`);
  }
}

export const fmt = {
  us: (ns: number) => `${(ns / 1000).toFixed(2)} µs`,
  x: (r: number) => `${r.toFixed(2)}×`,
};
