/** Assertions shared by the schema tests: a refusal carries its code and status and never the offending value. */
import { ConfigError, IparamValidationError, type TesseraError } from '../../../protocol/src/errors.js';

/** Runs `act` and returns what it threw; fails the test when it did not throw. */
export function thrownBy(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** Every place a refusal could leak a value: message, wire body, issues. */
function surfaces(error: TesseraError & { issues: readonly object[] }): string {
  return [error.message, JSON.stringify(error.toJSON()), error.toResponse().body, JSON.stringify(error.issues)].join('\n');
}

/** Asserts a ConfigError with the given issue among its issues, and that `secret` appears nowhere in it. */
export function expectConfigIssue(act: () => unknown, issue: { file?: string; field: string; rule: string | RegExp }, secret?: string): ConfigError {
  const error = thrownBy(act);
  expect(error).toBeInstanceOf(ConfigError);
  const config = error as ConfigError;
  expect(config.code).toBe('ERR_CONFIG_INVALID');
  expect(config.status).toBe(500);
  expect(config.issues).toContainEqual(
    expect.objectContaining({
      field: issue.field,
      rule: issue.rule instanceof RegExp ? expect.stringMatching(issue.rule) : issue.rule,
      ...(issue.file ? { file: issue.file } : {}),
    }),
  );
  if (secret !== undefined) expect(surfaces(config)).not.toContain(secret);
  return config;
}

/** Asserts an IparamValidationError with exactly one issue per listed field, and that `secret` appears nowhere. */
export function expectIparamIssues(act: () => unknown, issues: { field: string; rule: string }[], secret?: string): void {
  const error = thrownBy(act);
  expect(error).toBeInstanceOf(IparamValidationError);
  const invalid = error as IparamValidationError;
  expect(invalid.code).toBe('ERR_IPARAM_INVALID');
  expect(invalid.status).toBe(400);
  expect(invalid.issues).toEqual(issues);
  if (secret !== undefined) expect(surfaces(invalid)).not.toContain(secret);
}
