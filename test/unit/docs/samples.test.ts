/**
 * The docs cannot drift from the code: every TypeScript block in README.md, docs/ and the packages' READMEs is the exact text of a file under
 * examples/, which `tsc` type-checks, and every relative link in them leads to a file (and heading) that exists.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');

/** README.md and every page under docs/, as paths relative to the repository root. */
const DOCS = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((n) => n.endsWith('.md'))
    .map((n) => `docs/${n}`),
  ...readdirSync(join(root, 'packages')).map((n) => `packages/${n}/README.md`),
];
const TS_LANGS = new Set(['ts', 'typescript', 'tsx', 'mts', 'cts']);
const SAMPLE_OPEN = /^<!-- sample: (\S+) -->$/;
const SAMPLE_CLOSE = '<!-- /sample -->';

interface Block {
  doc: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  text: string;
  /** The file the sample marker before the block names, if there is one. */
  sample: string | undefined;
  /** Whether `<!-- /sample -->` follows the closing fence. */
  closed: boolean;
}

interface Markdown {
  blocks: Block[];
  /** The lines outside fenced blocks (links and headings are looked for there only). */
  prose: { line: number; text: string }[];
  /** Lines that hold a sample marker, open or close. */
  markers: number[];
}

/** Splits a page into fenced blocks and prose (CommonMark fences: three or more backticks or tildes). */
function parse(doc: string): Markdown {
  const lines = readFileSync(join(root, doc), 'utf8').split('\n');
  const out: Markdown = { blocks: [], prose: [], markers: [] };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (SAMPLE_OPEN.test(line) || line === SAMPLE_CLOSE) out.markers.push(i + 1);
    const fence = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
    if (!fence) {
      out.prose.push({ line: i + 1, text: line });
      continue;
    }
    const [, marks, lang] = fence as unknown as [string, string, string];
    let end = i + 1;
    while (end < lines.length && !new RegExp(`^ {0,3}${marks[0]}{${marks.length},}\\s*$`).test(lines[end]!)) end++;
    out.blocks.push({
      doc,
      line: i + 1,
      lang: lang.toLowerCase(),
      text: lines.slice(i + 1, end).join('\n'),
      sample: SAMPLE_OPEN.exec(lines[i - 1] ?? '')?.[1],
      closed: lines[end + 1] === SAMPLE_CLOSE,
    });
    i = end;
  }
  return out;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(page: Markdown): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const { text } of page.prose) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text)?.[1];
    if (heading === undefined) continue;
    const base = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** `[text](target)` links in prose, inline code removed first; images and reference definitions included. */
function linksOf(page: Markdown): { line: number; target: string }[] {
  return page.prose.flatMap(({ line, text }) => {
    const prose = text.replace(/`+[^`]*`+/g, '');
    const inline = [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
    const reference = /^\s*\[[^\]]+\]:\s*(\S+)/.exec(prose)?.[1];
    return [...inline, ...(reference ? [reference] : [])].map((target) => ({ line, target }));
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const pages = new Map(DOCS.map((doc) => [doc, parse(doc)]));
const blocks = [...pages.values()].flatMap((p) => p.blocks);
const samples = blocks.filter((b) => b.sample !== undefined);
const where = (b: Block) => `${b.doc}:${b.line}`;

describe('docs samples', () => {
  it('finds the pages and the samples it checks', () => {
    expect(DOCS.length).toBeGreaterThan(10);
    expect(samples.length).toBeGreaterThan(5);
  });

  it('wraps every TypeScript block in a sample marker', () => {
    // Prepare
    const tsBlocks = blocks.filter((b) => TS_LANGS.has(b.lang));
    // Act
    const unwrapped = tsBlocks.filter((b) => b.sample === undefined || !b.closed).map(where);
    // Assess
    expect(tsBlocks.length).toBeGreaterThan(0);
    expect(unwrapped).toEqual([]);
  });

  it('uses a marker only around a TypeScript block, opened and closed', () => {
    // Prepare
    const expected = samples
      .filter((b) => TS_LANGS.has(b.lang) && b.closed)
      .flatMap((b) => [`${b.doc}:${b.line - 1}`, `${b.doc}:${b.line + b.text.split('\n').length + 2}`]);
    // Act
    const markers = [...pages].flatMap(([doc, p]) => p.markers.map((line) => `${doc}:${line}`));
    // Assess
    expect(markers.sort()).toEqual(expected.sort());
  });

  it.each(samples.map((b) => [where(b), b] as const))('%s is the exact text of the file it names', (_at, block) => {
    // Prepare
    const file = join(root, block.sample!);
    // Act
    const exists = existsSync(file);
    // Assess
    expect(relative(root, file).startsWith('examples/')).toBe(true);
    expect(exists).toBe(true);
    expect(block.text).toBe(readFileSync(file, 'utf8').replace(/\n$/, ''));
  });

  it('shows every file under examples/ somewhere, so none is compiled for no reader', () => {
    // Prepare
    const shown = new Set(samples.map((b) => b.sample));
    // Act
    const unshown = filesUnder(join(root, 'examples'))
      .map((f) => relative(root, f))
      .filter((f) => !shown.has(f));
    // Assess
    expect(unshown).toEqual([]);
  });
});

describe('docs links', () => {
  const links = [...pages].flatMap(([doc, page]) => linksOf(page).map((l) => ({ doc, ...l })));
  const relativeLinks = links.filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l.target));

  it('finds the links it checks', () => {
    expect(relativeLinks.length).toBeGreaterThan(20);
  });

  it('leads every relative link to a file that exists', () => {
    // Act
    const broken = relativeLinks.filter((l) => {
      const path = l.target.split('#')[0]!;
      return path !== '' && !existsSync(resolve(root, dirname(l.doc), decodeURI(path)));
    });
    // Assess
    expect(broken.map((l) => `${l.doc}:${l.line} ${l.target}`)).toEqual([]);
  });

  it('leads every anchor in a link between pages to a heading that exists', () => {
    // Prepare
    const anchored = relativeLinks.filter((l) => l.target.includes('#'));
    // Act
    const broken = anchored.filter((l) => {
      const [path, anchor] = l.target.split('#') as [string, string];
      const target = path === '' ? l.doc : relative(root, resolve(root, dirname(l.doc), decodeURI(path)));
      const page = pages.get(target);
      return page !== undefined && !anchorsOf(page).has(decodeURIComponent(anchor));
    });
    // Assess
    expect(broken.map((l) => `${l.doc}:${l.line} ${l.target}`)).toEqual([]);
  });
});

describe('README.md', () => {
  it('opens with the two commands CI and a new reader run', () => {
    // Prepare
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    // Assess
    expect(readme).toContain('```sh\nnpm ci && npm start\n```');
    expect(readme).toContain('```sh\nnpm ci && npm test\n```');
  });
});
