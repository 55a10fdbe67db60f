import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cipherWhenUsed, createFieldCipher, type FieldCipher } from './field-encryption.ts';

describe('a cipher made when first used', () => {
  it('is not made until something is encrypted or read, then made once, and encrypts as the cipher it stands for', () => {
    const key = randomBytes(32);
    let made = 0;
    const lazy = cipherWhenUsed((): FieldCipher => {
      made += 1;
      return createFieldCipher(key);
    });
    expect(made).toBe(0);
    const sealed = lazy.encrypt('Child L');
    expect(lazy.decrypt(sealed)).toBe('Child L');
    expect(createFieldCipher(key).decrypt(sealed)).toBe('Child L');
    expect(lazy.decrypt(createFieldCipher(key).encrypt('Child K'))).toBe('Child K');
    expect(made).toBe(1);
  });

  it('says what is wrong with the key when first used, not before', () => {
    const lazy = cipherWhenUsed(() => createFieldCipher(Buffer.alloc(5)));
    expect(() => lazy.encrypt('x')).toThrow(/must be 32 bytes/);
  });
});
