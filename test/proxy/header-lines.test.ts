import { stripHopByHop } from '../../proxy-image/src/http/header-hygiene';
import { HeadError, headerLines, isToken } from '../../proxy-image/src/http/http1-header-lines';

const none = () => false;

describe('headerLines', () => {
  it('writes every header once per value and reads content-length', () => {
    const r = headerLines({ 'content-length': '15', vary: ['a', 'b'], skip: 'x' }, (n) => n === 'skip');
    expect(r.lines).toBe('content-length: 15\r\nvary: a\r\nvary: b\r\n');
    expect(r.contentLength).toBe(15);
  });

  it('refuses a bad name every time, however many good names were seen before it', () => {
    for (let i = 0; i < 600; i++) expect(isToken(`x-name-${i}`)).toBe(true);
    for (const bad of ['bad name', 'x:y', '', 'naïve', 'a\r\nb']) {
      expect(isToken(bad)).toBe(false);
      expect(() => headerLines({ [bad]: 'v' }, none)).toThrow(HeadError);
      expect(isToken(bad)).toBe(false);
    }
    expect(() => headerLines({ 'bad name': 'v' }, none)).toThrow('invalid header name "bad name"');
  });

  it('refuses a value that would split the message, on a known name too', () => {
    headerLines({ 'x-ok': 'fine' }, none);
    for (const bad of ['a\r\nx-injected: 1', 'a\nb', 'a\rb', 'nul\u0000', 'del\u007f', 'wide\u0100']) {
      expect(() => headerLines({ 'x-ok': bad }, none)).toThrow("invalid value for header 'x-ok'");
      expect(() => headerLines({ 'x-ok': ['fine', bad] }, none)).toThrow(HeadError);
    }
    expect(headerLines({ 'x-ok': 'tab\tand latin1 \u00e9' }, none).lines).toBe('x-ok: tab\tand latin1 \u00e9\r\n');
  });
});

describe('stripHopByHop', () => {
  it('drops the hop-by-hop headers with `Connection: keep-alive` or `close`, which name nothing else', () => {
    for (const connection of ['keep-alive', 'close', 'Keep-Alive', 'Close']) {
      expect(stripHopByHop({ connection, 'keep-alive': 'timeout=5', accept: '*/*' })).toEqual({ accept: '*/*' });
    }
  });

  it('drops the headers that Connection names, however it is spelled', () => {
    const h = { connection: 'Keep-Alive, X-Secret , close', 'x-secret': 's', accept: '*/*' };
    expect(stripHopByHop(h)).toEqual({ accept: '*/*' });
    expect(stripHopByHop({ connection: ['close', 'x-a'], 'x-a': '1', 'x-b': '2' })).toEqual({ 'x-b': '2' });
  });

  it('returns the same map when there is nothing to remove', () => {
    const h = { accept: '*/*' };
    expect(stripHopByHop(h)).toBe(h);
  });
});
