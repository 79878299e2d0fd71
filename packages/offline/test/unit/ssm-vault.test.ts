import { randomBytes } from 'node:crypto';
import { createVault } from '../../src/_ssm-vault.js';

const SECRET = 'correct-horse-battery-staple-7f3a';

describe('createVault', () => {
  const vault = createVault(randomBytes(32));

  it('opens what it sealed', () => {
    // Act
    const opened = vault.open('/x', 1, vault.seal('/x', 1, SECRET));
    // Assess
    expect(opened).toBe(SECRET);
  });

  it('uses a fresh IV for every seal', () => {
    // Act
    const a = vault.seal('/x', 1, SECRET);
    const b = vault.seal('/x', 1, SECRET);
    // Assess
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64').subarray(0, 12).equals(Buffer.from(b, 'base64').subarray(0, 12))).toBe(false);
  });

  it('never carries the plaintext in the sealed form', () => {
    // Act
    const sealed = vault.seal('/x', 1, SECRET);
    // Assess
    expect(sealed).not.toContain(SECRET);
    expect(Buffer.from(sealed, 'base64').includes(Buffer.from(SECRET))).toBe(false);
  });

  it.each([
    ['a flipped IV bit', 0],
    ['a flipped tag bit', 12],
    ['a flipped ciphertext bit', 28],
  ])('refuses %s', (_case, offset) => {
    // Prepare
    const blob = Buffer.from(vault.seal('/x', 1, SECRET), 'base64');
    blob[offset] = (blob[offset] ?? 0) ^ 0x01;
    // Act
    const act = () => vault.open('/x', 1, blob.toString('base64'));
    // Assess
    expect(act).toThrow();
  });

  it.each([
    ['another name', '/y', 1],
    ['another version', '/x', 2],
  ])('refuses a ciphertext moved to %s', (_case, name, version) => {
    // Prepare
    const sealed = vault.seal('/x', 1, SECRET);
    // Act
    const act = () => vault.open(name, version, sealed);
    // Assess
    expect(act).toThrow();
  });

  it('refuses a truncated value and another key', () => {
    // Prepare
    const sealed = vault.seal('/x', 1, SECRET);
    // Act
    const truncated = () => vault.open('/x', 1, sealed.slice(0, 20));
    const otherKey = () => createVault(randomBytes(32)).open('/x', 1, sealed);
    // Assess
    expect(truncated).toThrow();
    expect(otherKey).toThrow();
  });

  it('throws TypeError for a key that is not 32 bytes', () => {
    // Act
    const act = () => createVault(randomBytes(16));
    // Assess
    expect(act).toThrow(TypeError);
  });
});
