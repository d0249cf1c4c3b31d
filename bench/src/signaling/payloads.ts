/**
 * What a call setup sends, shaped like Chromium's: an offer and an answer of
 * about 3 KB and ten ICE candidates each way. Each one carries a marker —
 * sender, addressee, round, sequence number and send time — inside the SDP or
 * candidate string, where every server must pass it through untouched, so the
 * receiver can check it got the right message from the right peer, once, in order.
 */

export const CANDIDATES_PER_SETUP = 10;
/** One description and its candidates, each way. */
export const MESSAGES_PER_DIRECTION = 1 + CANDIDATES_PER_SETUP;

export type SignalPayload =
  | { description: { type: 'offer' | 'answer'; sdp: string } }
  | { candidate: { candidate: string; sdpMid: string; sdpMLineIndex: number; usernameFragment: string } };

export interface Marker {
  from: string;
  to: string;
  round: number;
  seq: number;
  /** performance.timeOrigin + performance.now() at sending: one clock for every process on the machine. */
  sentAt: number;
}

const MARK = 'x-bench ';

/** Milliseconds on a clock shared by every process of this machine. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

function mark(m: Omit<Marker, 'sentAt'>): string {
  return `${MARK}${m.from}/${m.to}/${m.round}/${m.seq}/${now().toFixed(3)}`;
}

/** Reads the marker back out of a payload's SDP or candidate string. */
export function readMarker(text: string): Marker | undefined {
  const start = text.indexOf(MARK);
  if (start < 0) return undefined;
  const end = text.slice(start + MARK.length).search(/[\s\\"]/);
  const fields = text.slice(start + MARK.length, end < 0 ? undefined : start + MARK.length + end).split('/');
  if (fields.length !== 5) return undefined;
  const [from = '', to = '', round, seq, sentAt] = fields;
  return { from, to, round: Number(round), seq: Number(seq), sentAt: Number(sentAt) };
}

/** An audio + video + data SDP the size Chromium makes (~3 KB), with the marker as an attribute line. */
function sdp(type: 'offer' | 'answer', marker: string): string {
  const codecs = [96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 127, 125, 39, 40, 45, 46];
  const video = codecs
    .map((pt, i) => `a=rtpmap:${pt} ${['VP8', 'rtx', 'VP9', 'rtx', 'H264', 'rtx', 'AV1', 'rtx'][i % 8]}/90000\r\na=rtcp-fb:${pt} nack\r\na=rtcp-fb:${pt} transport-cc\r\n`)
    .join('');
  return (
    `v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS stream\r\n` +
    `a=${marker}\r\n` +
    `m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:Xy7q\r\na=ice-pwd:c3Rk4eRZl0lYqmYB0lAA+Zx1\r\na=ice-options:trickle\r\n` +
    `a=fingerprint:sha-256 3A:1F:9C:5B:27:E0:44:D1:8A:73:6C:0E:B2:95:F8:1D:42:AC:67:3E:90:5D:C8:11:7B:E6:2F:A4:08:D9:53:BE\r\na=setup:${type === 'offer' ? 'actpass' : 'active'}\r\na=mid:0\r\n` +
    `a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\na=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\na=sendrecv\r\na=msid:stream audio-track\r\na=rtcp-mux\r\n` +
    `a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\na=fmtp:111 minptime=10;useinbandfec=1\r\na=ssrc:1001 cname:bench\r\n` +
    `m=video 9 UDP/TLS/RTP/SAVPF ${codecs.join(' ')}\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:Xy7q\r\na=ice-pwd:c3Rk4eRZl0lYqmYB0lAA+Zx1\r\na=mid:1\r\na=sendrecv\r\na=rtcp-mux\r\na=rtcp-rsize\r\n` +
    video +
    `a=ssrc-group:FID 2001 2002\r\na=ssrc:2001 cname:bench\r\na=ssrc:2002 cname:bench\r\n` +
    `m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:Xy7q\r\na=ice-pwd:c3Rk4eRZl0lYqmYB0lAA+Zx1\r\na=mid:2\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n`
  );
}

/** Message `seq` of one direction of a setup: 0 is the description, 1..10 the candidates. */
export function setupMessage(type: 'offer' | 'answer', m: Omit<Marker, 'sentAt'>): SignalPayload {
  const marker = mark(m);
  if (m.seq === 0) return { description: { type, sdp: sdp(type, marker) } };
  const port = 50_000 + m.seq;
  return {
    candidate: {
      candidate: `candidate:${842163049 + m.seq} 1 udp 2122260223 192.0.2.${m.seq} ${port} typ host generation 0 ufrag Xy7q network-id 1 network-cost 10 ${marker}`,
      sdpMid: String(m.seq % 3),
      sdpMLineIndex: m.seq % 3,
      usernameFragment: 'Xy7q',
    },
  };
}

/** The SDP or candidate string of a payload, where the marker lives. */
export function payloadText(payload: unknown): string {
  const p = payload as { description?: { sdp?: unknown }; candidate?: { candidate?: unknown } } | null;
  const text = p?.description?.sdp ?? p?.candidate?.candidate;
  return typeof text === 'string' ? text : '';
}
