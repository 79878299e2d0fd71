/** `serverless package` builds the deployable artifacts with no network, and its IAM stays inside the app's SSM path. */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

jest.setTimeout(120_000);
const root = resolve(__dirname, '../../..');

/** `unshare -n` gives the command no network interface at all; where it is not permitted the run goes ahead as is. */
function withoutNetwork(cmd: string[]): string[] {
  const probe = spawnSync('unshare', ['-n', 'true']);
  return probe.status === 0 ? ['unshare', '-n', ...cmd] : cmd;
}

describe('serverless package', () => {
  let out: string;
  let template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  let run: ReturnType<typeof spawnSync>;

  let project: string;

  beforeAll(() => {
    // A copy of the service, so this build's .esbuild/ cannot race the offline end-to-end test's.
    project = mkdtempSync(join(tmpdir(), 'tessera-service-'));
    for (const f of ['serverless.yml', 'manifest.json', 'iparams.json', 'package.json', 'tsconfig.json', 'esbuild.plugins.cjs', 'functions']) {
      cpSync(join(root, f), join(project, f), { recursive: true });
    }
    for (const f of ['node_modules', 'packages']) symlinkSync(join(root, f), join(project, f));
    out = mkdtempSync(join(tmpdir(), 'tessera-package-'));
    const [bin, ...args] = withoutNetwork([process.execPath, 'node_modules/serverless/bin/serverless.js', 'package', '--package', out]);
    run = spawnSync(bin!, args, { cwd: project, encoding: 'utf8', env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' } });
    template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'));
  });
  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
    rmSync(project, { recursive: true, force: true });
  });

  it('succeeds offline and writes one artifact per function', () => {
    expect(run.status).toBe(0);
    expect(
      readdirSync(out)
        .filter((f) => f.endsWith('.zip'))
        .sort(),
    ).toEqual([
      'addNote.zip',
      'csrf.zip',
      'getOrder.zip',
      'install.zip',
      'jwks.zip',
      'liveTicket.zip',
      'wsConnect.zip',
      'wsDisconnect.zip',
      'wsMessage.zip',
    ]);
  });

  it('grants SSM reads only below /tessera/{appId}/ and KMS decrypt only via SSM for those parameters', () => {
    const role = template.Resources.IamRoleLambdaExecution!;
    const statements = JSON.stringify(role.Properties.Policies);
    expect(statements).toContain('"ssm:GetParameter"');
    expect(statements).toContain('parameter/tessera/order-lookup/*');
    expect(statements).not.toMatch(/ssm:(PutParameter|DeleteParameter|GetParametersByPath|\*)/);
    expect(statements).toContain('kms:ViaService');
    expect(statements).toContain('kms:EncryptionContext:PARAMETER_ARN');
  });

  it("gives the install function alone its own role, writing only installations' values, never the keys", () => {
    const functions = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    const roleOf = (f: { Properties: Record<string, unknown> }) => JSON.stringify(f.Properties.Role);
    const [installFn, others] = [functions.filter(([k]) => k === 'InstallLambdaFunction'), functions.filter(([k]) => k !== 'InstallLambdaFunction')];
    expect(installFn).toHaveLength(1);
    expect(roleOf(installFn[0]![1])).toContain('InstallRole');
    for (const [, f] of others) expect(roleOf(f)).toContain('IamRoleLambdaExecution');
    const statements = JSON.stringify(template.Resources.InstallRole!.Properties.Policies);
    expect(statements).toContain('"ssm:PutParameter"');
    expect(statements).not.toMatch(/ssm:(DeleteParameter|GetParametersByPath|\*)/);
    // Every resource it may touch is an installation's parameter (or the KMS key SSM uses for one).
    const resources = [...statements.matchAll(/parameter\/tessera\/[^"]*/g)].map((m) => m[0]);
    expect(resources.length).toBeGreaterThan(0);
    for (const r of resources) expect(r).toBe('parameter/tessera/order-lookup/installations/*');
  });

  it('routes the functions and their preflights, and the JWKS (GET only), through the HTTP API without API Gateway CORS', () => {
    const routes = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::ApiGatewayV2::Route' && !String(r.Properties.RouteKey).startsWith('$'),
    );
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual([
      'GET /.well-known/jwks.json',
      'GET /csrf',
      'GET /getOrder',
      'GET /install',
      'GET /install/{part}',
      'OPTIONS /addNote',
      'OPTIONS /csrf',
      'OPTIONS /getOrder',
      'OPTIONS /liveTicket',
      'POST /addNote',
      'POST /install/state',
      'POST /liveTicket',
    ]);
    const api = Object.values(template.Resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Api' && r.Properties.ProtocolType === 'HTTP')!;
    expect(api.Properties.CorsConfiguration).toBeUndefined();
  });

  it("routes the app's own WebSocket API ($connect guarded by its function, no authorizer) and lets functions post to connections", () => {
    const routes = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::ApiGatewayV2::Route' && String(r.Properties.RouteKey).startsWith('$'),
    );
    expect(routes.map((r) => [r.Properties.RouteKey, r.Properties.AuthorizationType ?? 'NONE']).sort()).toEqual([
      ['$connect', 'NONE'],
      ['$default', 'NONE'],
      ['$disconnect', 'NONE'],
    ]);
    const role = template.Resources.IamRoleLambdaExecution!;
    expect(JSON.stringify(role.Properties.Policies)).toContain('execute-api:ManageConnections');
    // The deployed functions find each event's own endpoint: the offline management API is not baked in.
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    const endpoints = functions.map((f) => (f.Properties.Environment as { Variables: Record<string, string> }).Variables.WS_MANAGEMENT_ENDPOINT);
    expect(new Set(endpoints)).toEqual(new Set(['']));
  });
});
