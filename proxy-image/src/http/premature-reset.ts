/**
 * HTTP/2 rapid reset defence (CVE-2023-44487), as Envoy's connection manager does it: a stream
 * the client resets within a second of opening is a premature reset; once a connection has
 * closed at least `MIN_STREAMS` streams and half or more of them were premature resets, it is
 * sent GOAWAY and closed. Normal cancellations (a few per connection) never trip it.
 */
import http2 from 'node:http2';

/** Envoy's `premature_reset_total_stream_count` default. */
const MIN_STREAMS = 500;
/** Envoy's `premature_reset_min_stream_lifetime_seconds` default. */
const MIN_LIFETIME_MS = 1000;

export function guardPrematureResets(session: http2.ServerHttp2Session, onTrip: () => void): void {
  let closed = 0;
  let premature = 0;
  let tripped = false;
  session.on('stream', (stream: http2.ServerHttp2Stream) => {
    const opened = performance.now();
    let aborted = false;
    stream.once('aborted', () => {
      aborted = true;
    });
    stream.once('close', () => {
      closed++;
      // A client reset: Node reports `aborted` only while the response is unfinished, so a
      // CANCEL code (what clients send) counts too.
      const reset = aborted || stream.rstCode === http2.constants.NGHTTP2_CANCEL;
      if (reset && performance.now() - opened < MIN_LIFETIME_MS) premature++;
      if (!tripped && closed >= MIN_STREAMS && premature * 2 >= closed) {
        tripped = true;
        onTrip();
        session.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
        session.destroy();
      }
    });
  });
}
