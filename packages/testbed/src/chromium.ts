/** Debian's Chromium; Playwright downloads nothing. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags measured on this machine (see shared LAB notes): root needs no
 * sandbox; fake devices stand in for camera and microphone; mDNS hiding is off
 * so candidates carry real host addresses; no request leaves the machine.
 * Chromium honours only the last --disable-features, so all go in one.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Three fake cameras, so tests can switch between them (the second is a Y16 depth camera, which no encoder takes).
  '--use-fake-device-for-media-stream=device-count=3',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  // CHROMIUM_LOG=1: Chromium's own log on stderr (Playwright shows it with DEBUG=pw:browser), e.g. libwebrtc's
  // warnings such as a video receiver's "No decodable frame in 3000 ms". A diagnosis aid, off by default.
  ...(process.env['CHROMIUM_LOG'] ? ['--enable-logging=stderr', '--v=0'] : []),
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost',
];
