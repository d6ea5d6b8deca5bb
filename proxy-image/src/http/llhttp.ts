/**
 * llhttp, the HTTP/1.1 parser, through Node's own binding: `node:_http_common` is where
 * node:http loads it from. Both of the proxy's HTTP/1.1 codecs (the downstream server and the
 * upstream client) use it, so messages are held to the rules Node's HTTP module applies.
 */

export interface HttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  /** Bytes parsed (fewer than given after a request asking to Upgrade), or the parse error. */
  execute(data: Buffer): number | ParseError;
  finish(): undefined | ParseError;
  close(): void;
  /** The callbacks, at the indexes the class names (kOnHeaders…). */
  [k: number]: unknown;
}

export interface HttpParserClass {
  new (): HttpParser;
  readonly REQUEST: number;
  readonly RESPONSE: number;
  readonly kOnMessageBegin: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  readonly kLenientNone: number;
}

/** `code` is llhttp's (HPE_…); `reason` its explanation. */
export type ParseError = Error & { code?: string; reason?: string };

const common = require('node:_http_common') as { HTTPParser: HttpParserClass; methods: string[] };

export const HTTPParser = common.HTTPParser;
/** Method names by the number the parser reports. */
export const METHODS: readonly string[] = common.methods;
