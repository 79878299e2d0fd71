/** loadProject and validateProject against a fixture project copied to a temporary directory. */
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../protocol/src/errors.js';
import { loadProject, validateProject } from '../../src/index.js';

const FIXTURE = join(__dirname, '../../../../test/fixtures/schema/project');
const ROOT = join(__dirname, '../../../..');
let dir: string;

// biome-ignore lint/suspicious/noExplicitAny: each case edits a different path of a parsed JSON file
type Json = Record<string, any>;

function edit(file: string, change: (json: Json) => void): void {
  const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Json;
  change(json);
  writeFileSync(join(dir, file), JSON.stringify(json));
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-schema-'));
  cpSync(FIXTURE, dir, { recursive: true });
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('loadProject', () => {
  it('returns the validated manifest and iparams', async () => {
    // Act
    const project = await loadProject(dir);

    // Assess
    expect(project.manifest.app.id).toBe('order-lookup');
    expect(Object.keys(project.iparams)).toContain('shared_secret');
  });

  it("loads the repository's own files", async () => {
    // Act
    const project = await loadProject(ROOT);

    // Assess
    expect(project.manifest.customer.auth.secretIparam).toBe('shared_secret');
  });

  it('throws a ConfigError listing the problems of both files', async () => {
    // Prepare
    edit('manifest.json', (m) => {
      m.app.id = 'UPPER';
    });
    edit('iparams.json', (i) => {
      i.support_email.secure = true;
    });

    // Act
    const error = await loadProject(dir).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('ERR_CONFIG_INVALID');
    expect((error as ConfigError).issues).toEqual([
      { file: 'iparams.json', field: '/support_email/secure', rule: 'is allowed only on text and paragraph fields' },
      { file: 'manifest.json', field: '/app/id', rule: 'must be 1 to 64 of a-z, 0-9, _ . - and not only dots' },
    ]);
  });

  it('reports a JSON syntax error by position, without quoting the text', async () => {
    // Prepare
    writeFileSync(join(dir, 'iparams.json'), '{\n  "a": "Zq9-SECRET-LOOKING" oops\n}');

    // Act
    const error = (await loadProject(dir).catch((e: unknown) => e)) as ConfigError;

    // Assess
    expect(error.issues).toEqual([{ file: 'iparams.json', field: '/', rule: expect.stringMatching(/^is not valid JSON/) }]);
    expect(error.message).not.toContain('Zq9-SECRET-LOOKING');
  });

  it('reports a missing file', async () => {
    // Prepare
    unlinkSync(join(dir, 'manifest.json'));

    // Act
    const error = (await loadProject(dir).catch((e: unknown) => e)) as ConfigError;

    // Assess
    expect(error.issues).toEqual([{ file: 'manifest.json', field: '/', rule: 'cannot be read (missing or unreadable)' }]);
  });
});

describe('validateProject', () => {
  it('returns no issues for a sound project, whatever serverless variables and tags it uses', async () => {
    // Act
    const issues = await validateProject(dir);

    // Assess
    expect(issues).toEqual([]);
  });

  it('checks the manifest on its own when iparams.json is broken, without cross-check noise', async () => {
    // Prepare
    writeFileSync(join(dir, 'iparams.json'), '[]');
    edit('manifest.json', (m) => {
      m.customer.timeoutMs = 0;
    });

    // Act
    const issues = await validateProject(dir);

    // Assess
    expect(issues).toEqual([
      { file: 'iparams.json', field: '/', rule: 'must be an object' },
      { file: 'manifest.json', field: '/customer/timeoutMs', rule: 'must be at least 1' },
    ]);
  });

  it.each<[string, string, { field: string; rule: string }]>([
    [
      'a manifest function missing from serverless.yml',
      'functions:\n  getOrder:\n    handler: functions/get-order.handler\n',
      { field: '/functions/addNote', rule: 'is declared in manifest.json but missing here' },
    ],
    [
      'a function without a handler',
      'functions:\n  getOrder:\n    handler: functions/get-order.handler\n  addNote:\n    timeout: 5\n',
      { field: '/functions/addNote/handler', rule: 'is required' },
    ],
    [
      'a handler whose file does not exist',
      'functions:\n  getOrder:\n    handler: functions/get-order.handler\n  addNote:\n    handler: functions/gone.handler\n',
      { field: '/functions/addNote/handler', rule: 'points at functions/gone, which has no .ts or .js file' },
    ],
    [
      'a handler without an export',
      'functions:\n  getOrder:\n    handler: functions/get-order.handler\n  addNote:\n    handler: handler\n',
      { field: '/functions/addNote/handler', rule: 'must be <file>.<export>, e.g. functions/get-order.handler' },
    ],
    ['no functions section', 'service: x\n', { field: '/functions', rule: 'is required' }],
    ['broken YAML', 'functions:\n  getOrder: [\n', { field: '/', rule: expect.stringMatching(/^is not valid YAML/) as unknown as string }],
  ])('reports %s', async (_name, yaml, issue) => {
    // Prepare
    writeFileSync(join(dir, 'serverless.yml'), yaml);

    // Act
    const issues = await validateProject(dir);

    // Assess
    expect(issues).toEqual([{ file: 'serverless.yml', ...issue }]);
  });

  it('skips a handler it cannot resolve without serverless itself', async () => {
    // Prepare
    writeFileSync(
      join(dir, 'serverless.yml'),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: serverless variables, not a template literal
      'functions:\n  getOrder:\n    handler: ${env:HANDLER_DIR}/get-order.handler\n  addNote:\n    handler: ${self:custom.nope}/x.handler\n',
    );

    // Act
    const issues = await validateProject(dir);

    // Assess
    expect(issues).toEqual([]);
  });

  it('reports a missing serverless.yml', async () => {
    // Prepare
    unlinkSync(join(dir, 'serverless.yml'));

    // Act
    const issues = await validateProject(dir);

    // Assess
    expect(issues).toEqual([{ file: 'serverless.yml', field: '/', rule: 'cannot be read (missing or unreadable)' }]);
  });

  it("finds no issue in the repository's own project", async () => {
    // Act
    const issues = await validateProject(ROOT);

    // Assess
    expect(issues).toEqual([]);
  });
});
