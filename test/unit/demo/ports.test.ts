import { flagsFor, portsUsage, readDemoPorts } from '../../../demo/_ports.js';

describe('readDemoPorts', () => {
  it("keeps the documented defaults, serverless offline's three following the functions' port", () => {
    // Act
    const { ports } = readDemoPorts([], {});
    // Assess
    const byName = Object.fromEntries(Object.entries(ports).map(([k, p]) => [k, p.port]));
    expect(byName).toEqual({ ssm: 4583, http: 4000, sls: 4010, lambda: 4002, ws: 4001, customer: 4100, platform: 4200 });
  });

  describe('precedence: flag > variable > default', () => {
    it.each([
      ['the default', [], {}, 4100],
      ['the variable over the default', [], { TESSERA_CUSTOMER_PORT: '5100' }, 5100],
      ['the flag over the variable', ['--customer-port', '6100'], { TESSERA_CUSTOMER_PORT: '5100' }, 6100],
      ['the default when the variable is empty', [], { TESSERA_CUSTOMER_PORT: '' }, 4100],
    ])('takes %s', (_, argv, env, expected) => {
      expect(readDemoPorts(argv, env).ports.customer.port).toBe(expected);
    });

    it("derives serverless offline's ports from the chosen functions' port unless they are chosen too", () => {
      // Act
      const { ports } = readDemoPorts(['--http-port', '5000', '--ws-port', '6001'], { TESSERA_LAMBDA_PORT: '6002' });
      // Assess
      expect([ports.sls.port, ports.lambda.port, ports.ws.port]).toEqual([5010, 6002, 6001]);
    });
  });

  it.each([
    ['a word', ['--ssm-port', 'abc'], {}, '--ssm-port must be a port from 1 to 65535'],
    ['port 0', ['--http-port', '0'], {}, '--http-port must be a port from 1 to 65535'],
    ['a port above 65535', [], { TESSERA_PLATFORM_PORT: '65536' }, 'TESSERA_PLATFORM_PORT must be a port from 1 to 65535'],
    ['two servers on one port', ['--customer-port', '4000'], {}, '--http-port and --customer-port are both port 4000'],
    ['a derived port meeting a chosen one', ['--platform-port', '4010'], {}, '--sls-port and --platform-port are both port 4010'],
  ])('refuses %s, naming the flag or variable', (_, argv, env, message) => {
    expect(() => readDemoPorts(argv, env)).toThrow(message);
  });

  it('lists every flag with its variable and default in the usage', () => {
    expect(portsUsage()).toMatch(/--customer-port\s+TESSERA_CUSTOMER_PORT\s+4100\s+the demo customer server/);
    expect(portsUsage().split('\n')).toHaveLength(7);
  });
});

describe('flagsFor', () => {
  it('repeats only the non-default ports', () => {
    const { ports } = readDemoPorts(['--customer-port', '5100'], {});
    expect(flagsFor(ports, ['ssm', 'http', 'customer'])).toBe(' --customer-port 5100');
  });
});
