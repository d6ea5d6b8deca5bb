/**
 * The upstream HTTP/1.1 request head: framing chosen from the body and content-length, and
 * every name and value checked, since route rewrites and added headers come from configuration.
 */
import { encodeRequestHead, RequestHeadError } from '../../proxy-image/src/upstream/http1-request-head';

test('a bodyless GET is the request line, host and the headers, with no framing', () => {
  const r = encodeRequestHead('GET', '/a?b=1', 'app', { accept: '*/*', 'x-two': ['1', '2'] }, false);
  expect(r.head).toBe('GET /a?b=1 HTTP/1.1\r\nhost: app\r\naccept: */*\r\nx-two: 1\r\nx-two: 2\r\n\r\n');
  expect(r.framing).toBe('none');
});

test('a body with content-length is sent as it is; one without is chunked', () => {
  expect(encodeRequestHead('POST', '/', 'app', { 'content-length': '5' }, true)).toMatchObject({
    framing: 'length',
    contentLength: 5,
  });
  const chunked = encodeRequestHead('POST', '/', 'app', {}, true);
  expect(chunked.framing).toBe('chunked');
  expect(chunked.head).toContain('transfer-encoding: chunked\r\n');
});

test('a bodyless POST says content-length: 0; a forwarded transfer-encoding is never written twice', () => {
  expect(encodeRequestHead('POST', '/', 'app', {}, false).head).toContain('content-length: 0\r\n');
  expect(encodeRequestHead('GET', '/', 'app', {}, false).head).not.toContain('content-length');
  const h = encodeRequestHead('POST', '/', 'app', { 'transfer-encoding': 'chunked' }, true).head;
  expect(h.match(/transfer-encoding/g)).toHaveLength(1);
});

test.each([
  ['a CR LF in a value', 'GET', '/', { 'x-a': 'v\r\nx-injected: 1' }],
  ['a LF in one of repeated values', 'GET', '/', { 'x-a': ['ok', 'v\nx'] }],
  ['a NUL in a value', 'GET', '/', { 'x-a': 'v\0' }],
  ['a space in a header name', 'GET', '/', { 'x a': 'v' }],
  ['a colon in a header name', 'GET', '/', { 'x:a': 'v' }],
  ['a space in the path (a rewrite)', 'GET', '/a b', {}],
  ['a CR LF in the path', 'GET', '/a\r\nx: y', {}],
  ['a method that is not a token', 'G T', '/', {}],
  ['conflicting content-lengths', 'POST', '/', { 'content-length': ['1', '2'] }],
  ['a content-length that is not a number', 'POST', '/', { 'content-length': '1x' }],
])('%s is refused before anything is written', (_what, method, path, headers) => {
  expect(() => encodeRequestHead(method, path, 'app', headers, true)).toThrow(RequestHeadError);
});

test('a CR LF in the authority is refused', () => {
  expect(() => encodeRequestHead('GET', '/', 'app\r\nx: y', {}, false)).toThrow(RequestHeadError);
});
