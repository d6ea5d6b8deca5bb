import { checkRe2, compileRe2 } from '../../lib/regex/re2';

describe('RE2 syntax', () => {
  it.each([
    ['^/api/v[0-9]+/.*$'],
    ['(?i)android'],
    ['(?P<ver>v\\d+)'],
    ['[[:alpha:]]+'],
    ['\\Qa.b\\E'],
    ['\\pL+'],
    ['a{1,1000}'],
    ['(?s:.)'],
    ['\\x{41}'],
  ])('accepts %s', (p) => {
    expect(checkRe2(p)).toBeUndefined();
  });

  it.each([
    ['(a)\\1', /backreference/],
    ['a(?=b)', /lookahead/],
    ['(?<=a)b', /lookbehind/],
    ['(?>a)', /atomic/],
    ['a++', /possessive/],
    ['a{1001}', /exceeds 1000/],
    ['(a', /missing closing \)/],
    ['a)', /unmatched/],
    ['[a', /missing closing \]/],
    ['*a', /missing argument/],
    ['a**', /bad repetition/],
    ['\\Z', /invalid escape/],
    ['[z-a]', /invalid character class range/],
  ])('rejects %s', (p, reason) => {
    expect(checkRe2(p)).toMatch(reason);
  });

  it('matches the whole value, as safe_regex does', () => {
    expect(compileRe2('abc').test('abc')).toBe(true);
    expect(compileRe2('abc').test('xabc')).toBe(false);
    expect(compileRe2('a|b').test('b')).toBe(true);
  });

  it('translates RE2 spellings', () => {
    expect(compileRe2('(?i)android.*').test('ANDROID 14')).toBe(true);
    expect(compileRe2('(?i:ab)c').test('ABc')).toBe(true);
    expect(compileRe2('(?i:ab)c').test('ABC')).toBe(false);
    expect(compileRe2('[[:digit:]]+').test('123')).toBe(true);
    expect(compileRe2('\\Qa.b\\E').test('axb')).toBe(false);
    expect(compileRe2('\\Qa.b\\E').test('a.b')).toBe(true);
    expect(compileRe2('\\s').test('\u00a0')).toBe(false);
    expect(compileRe2('.').test('\n')).toBe(false);
    expect(compileRe2('(?s).').test('\n')).toBe(true);
    expect(compileRe2('(?P<v>v[0-9])').exec('v1')?.groups?.v).toBe('v1');
  });
});
