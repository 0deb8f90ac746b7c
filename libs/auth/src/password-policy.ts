import type { FieldError } from '@hotswap/contracts';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

/**
 * The most common passwords of 12+ characters (shorter ones fail the length rule anyway), from the
 * public breach-frequency lists, lowercased.
 */
const COMMON_PASSWORDS = new Set([
  '123456789012',
  '1234567890123',
  '12345678901234',
  '123456789123',
  '111111111111',
  '000000000000',
  '123123123123',
  '987654321098',
  'qwertyuiopas',
  'qwertyuiop12',
  'qwertyuiop123',
  'qwerty123456',
  '1q2w3e4r5t6y',
  '1qaz2wsx3edc',
  'zaq12wsxcde3',
  'asdfghjkl123',
  'passwordpassword',
  'iloveyou1234',
  'administrator',
  'administrator1',
  'letmeinletmein',
  'welcomewelcome',
  'trustno1trustno1',
  'correcthorsebatterystaple',
  'correct horse battery staple',
  'thequickbrownfox',
  'football1234',
  'baseball1234',
  'princess1234',
  'sunshine1234',
  'starwars1234',
  'michael12345',
  'superman1234',
  'master123456',
  'shadow123456',
  'abcdefghijkl',
  'abcdefg12345',
  'abc123abc123',
  'aaaaaaaaaaaa',
  'changeme1234',
  'changemenow!',
  'p@ssw0rd1234',
  'p@ssword1234',
  'passw0rd1234',
]);

/** Words that, with only digits and symbols around them, make a guessable password (`Password2024!`). */
const COMMON_WORDS = [
  'password',
  'passw0rd',
  'p@ssw0rd',
  'p@ssword',
  'qwerty',
  'letmein',
  'welcome',
  'admin',
  'administrator',
  'iloveyou',
  'monkey',
  'dragon',
  'football',
  'baseball',
  'sunshine',
  'princess',
  'master',
  'changeme',
  'hotswap',
  'secret',
];

/** Every reason `password` is refused (empty when it is acceptable). */
export function passwordProblems(password: string, field = 'password', username?: string): FieldError[] {
  const problems: FieldError[] = [];
  if (password.length < MIN_PASSWORD_LENGTH) {
    problems.push({ field, message: `${field} must be at least ${MIN_PASSWORD_LENGTH} characters long` });
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    problems.push({ field, message: `${field} must be at most ${MAX_PASSWORD_LENGTH} characters long` });
  }
  const lower = password.toLowerCase();
  const core = lower.replace(/^[\d\W_]+|[\d\W_]+$/g, '');
  if (
    COMMON_PASSWORDS.has(lower) ||
    COMMON_WORDS.includes(core) ||
    new Set(lower).size <= 2 ||
    (username !== undefined && lower.includes(username.toLowerCase()))
  ) {
    problems.push({ field, message: `${field} is too common or too easy to guess; choose another` });
  }
  return problems;
}
