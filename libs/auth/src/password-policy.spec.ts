import argon2 from 'argon2';
import { ARGON2_OPTIONS, PasswordHasher } from './password-hasher';
import { MIN_PASSWORD_LENGTH, passwordProblems } from './password-policy';

describe('password policy', () => {
  it.each([
    ['short', 'Sh0rt!pass'],
    ['common', '123456789012'],
    ['common word with digits', 'Password2024!'],
    ['common word with symbols', '!!qwerty!!2024'],
    ['one repeated character', 'aaaaaaaaaaaaaaa'],
    ['containing the username', 'alice-is-the-best-1'],
  ])('refuses a %s password', (_case, password) => {
    expect(passwordProblems(password, 'password', 'alice')).not.toEqual([]);
  });

  it.each(['violet-harbor-tractor-42', 'n7$Kq2!vLw9#xP', 'Deploy gently, roll back fast'])(
    'accepts %s',
    (password) => {
      expect(passwordProblems(password, 'password', 'alice')).toEqual([]);
    },
  );

  it('names the field and every problem', () => {
    const problems = passwordProblems('password', 'newPassword');
    expect(problems.map((p) => p.field)).toEqual(['newPassword', 'newPassword']);
    expect(problems[0]?.message).toContain(String(MIN_PASSWORD_LENGTH));
  });
});

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('hashes with argon2id at memory >= 19 MiB, t >= 2, p = 1', async () => {
    const hash = await hasher.hash('violet-harbor-tractor-42');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(ARGON2_OPTIONS.type).toBe(argon2.argon2id);
  });

  it('verifies the right password only, and never throws on a malformed hash', async () => {
    const hash = await hasher.hash('violet-harbor-tractor-42');
    expect(await hasher.verify(hash, 'violet-harbor-tractor-42')).toBe(true);
    expect(await hasher.verify(hash, 'violet-harbor-tractor-43')).toBe(false);
    expect(await hasher.verify('not-a-hash', 'x')).toBe(false);
    expect(await hasher.verifyNothing('anything')).toBe(false);
  });

  it('does not block the event loop while hashing', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 1);
    await Promise.all([1, 2, 3, 4].map((i) => hasher.hash(`violet-harbor-tractor-${i}`)));
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(3);
  });
});
