import { assertCreatableName, isUnderPath, normalizePath, parameterArn, parseSelector } from '../../src/_ssm-names.js';
import { AwsFault } from '../../src/_ssm-wire.js';

function faultOf(act: () => unknown): AwsFault {
  try {
    act();
  } catch (err) {
    expect(err).toBeInstanceOf(AwsFault);
    return err as AwsFault;
  }
  throw new Error('expected an AwsFault');
}

describe('assertCreatableName', () => {
  it.each([
    ['an empty name', '', 'ValidationException'],
    ['a space', 'a b', 'ValidationException'],
    ['a slash not at the start', 'a/b', 'ValidationException'],
    ['a lone slash', '/', 'ValidationException'],
    ['a double slash', '/a//b', 'ValidationException'],
    ['a trailing slash', '/a/', 'ValidationException'],
    ['a non-ASCII letter', '/app/ключ', 'ValidationException'],
    ['a colon', 'a:1', 'ValidationException'],
    ['an "aws" prefix', 'AwsThing', 'ValidationException'],
    ['an "ssm" prefix after the slash', '/ssm/x', 'ValidationException'],
    ['1012 characters', 'n'.repeat(1012), 'ValidationException'],
    ['16 levels', `/${'l/'.repeat(15)}l`, 'HierarchyLevelLimitExceededException'],
  ])('refuses %s', (_case, name, type) => {
    // Act
    const fault = faultOf(() => assertCreatableName(name));
    // Assess
    expect(fault.type).toBe(type);
    expect(fault.status).toBe(400);
  });

  it.each([
    ['a flat name', 'flat_name-1.2'],
    ['15 levels', `/${'l/'.repeat(14)}l`],
    ['1011 characters', 'n'.repeat(1011)],
    ['"aws" after the first segment', '/app/aws/ssm'],
  ])('accepts %s', (_case, name) => {
    // Act
    const act = () => assertCreatableName(name);
    // Assess
    expect(act).not.toThrow();
  });
});

describe('normalizePath', () => {
  it.each([
    ['/', '/'],
    ['/a', '/a'],
    ['/a/b/', '/a/b'],
    ['/aws/service', '/aws/service'],
  ])('normalises %s to %s', (path, expected) => {
    // Act
    const normalised = normalizePath(path);
    // Assess
    expect(normalised).toBe(expected);
  });

  it.each([['a/b'], [''], ['/a b'], [`/${'l/'.repeat(16)}`]])('refuses %j', (path) => {
    // Act
    const fault = faultOf(() => normalizePath(path));
    // Assess
    expect(['ValidationException', 'HierarchyLevelLimitExceededException']).toContain(fault.type);
  });
});

describe('isUnderPath', () => {
  it.each([
    ['/a/b', '/a', false, true],
    ['/a/b/c', '/a', false, false],
    ['/a/b/c', '/a', true, true],
    ['/ab', '/a', true, false],
    ['/a', '/a', true, false],
    ['/x', '/', false, true],
    ['flat', '/', true, false],
  ])('%s under %s (recursive: %s) is %s', (name, path, recursive, expected) => {
    // Act
    const under = isUnderPath(name, path, recursive);
    // Assess
    expect(under).toBe(expected);
  });
});

describe('parseSelector', () => {
  it.each([
    ['/x', { name: '/x' }],
    ['/x:3', { name: '/x', selector: ':3', version: 3 }],
    ['/x:prod', { name: '/x', selector: ':prod', label: 'prod' }],
  ])('splits %s', (requested, expected) => {
    // Act
    const parsed = parseSelector(requested);
    // Assess
    expect(parsed).toEqual(expected);
  });

  it.each([['/x:'], [':3'], ['/x:1:2']])('refuses %j', (requested) => {
    // Act
    const fault = faultOf(() => parseSelector(requested));
    // Assess
    expect(fault.type).toBe('ValidationException');
  });
});

describe('parameterArn', () => {
  it.each([
    ['/a/b', 'arn:aws:ssm:eu-west-1:000000000000:parameter/a/b'],
    ['flat', 'arn:aws:ssm:eu-west-1:000000000000:parameter/flat'],
  ])('builds the ARN of %s', (name, expected) => {
    // Act
    const arn = parameterArn('eu-west-1', name);
    // Assess
    expect(arn).toBe(expected);
  });
});
