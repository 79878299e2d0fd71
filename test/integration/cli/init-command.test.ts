/** `tessera init`: a new app from the shipped templates, valid as written; a non-empty folder and a silent prompt refused. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProject } from '../../../packages/schema/src/index.js';
import { cli } from '../../helpers/cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-init-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('tessera init', () => {
  it('writes an app that tessera validate accepts, scoped to its own SSM path', async () => {
    // Act
    const run = await cli(['init', 'shop-helper', '--yes'], { cwd: dir });
    // Assess
    expect(run).toMatchObject({ code: 0 });
    const app = join(dir, 'shop-helper');
    for (const file of [
      'package.json',
      'manifest.json',
      'iparams.json',
      'serverless.yml',
      'functions/_app.ts',
      'functions/hello.ts',
      'test/hello.test.ts',
      'README.md',
      'tsconfig.json',
      'jest.config.cjs',
      '.gitignore',
    ]) {
      expect([file, existsSync(join(app, file))]).toEqual([file, true]);
    }
    const project = await loadProject(app);
    expect(project.manifest.app.id).toBe('shop-helper');
    expect(readFileSync(join(app, 'serverless.yml'), 'utf8')).toContain('parameter/tessera/shop-helper/*');
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies['@tessera/runtime']).toMatch(/^\d+\.\d+\.\d+/);
    expect(readFileSync(join(app, 'README.md'), 'utf8')).toContain('npm install && npm test');
    const validate = await cli(['validate'], { cwd: app });
    expect(validate.code).toBe(0);
  });

  it('takes the app id and name from flags', async () => {
    const run = await cli(['init', 'x', '--app-id', 'order-sync', '--name', 'Order sync'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'x', 'manifest.json'), 'utf8')).app).toMatchObject({ id: 'order-sync', name: 'Order sync' });
  });

  it('refuses a folder that is not empty, and writes nothing, unless --force', async () => {
    // Prepare
    mkdirSync(join(dir, 'busy'));
    writeFileSync(join(dir, 'busy', 'notes.txt'), 'mine');
    // Act
    const refused = await cli(['init', 'busy', '--yes'], { cwd: dir });
    const forced = await cli(['init', 'busy', '--yes', '--force'], { cwd: dir });
    // Assess
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('busy is not empty');
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, 'busy', 'notes.txt'), 'utf8')).toBe('mine');
    expect(existsSync(join(dir, 'busy', 'manifest.json'))).toBe(true);
  });

  it('never waits on a prompt without a terminal: the missing answer is named at once', async () => {
    const run = await cli(['init', 'quiet'], { cwd: dir, stdin: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no terminal to ask for app-id: pass --app-id or --yes');
    expect(existsSync(join(dir, 'quiet'))).toBe(false);
  });

  it.each([
    ['an app id breaking the id rule', ['--app-id', 'Not OK']],
    ['a name on two lines', ['--app-id', 'ok', '--name', 'two\nlines']],
  ])('refuses %s with exit 2', async (_name, flags) => {
    const run = await cli(['init', 'bad', ...flags], { cwd: dir });
    expect(run.code).toBe(2);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  });
});
