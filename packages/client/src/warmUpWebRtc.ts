/**
 * Readies the browser's WebRTC machinery before a call needs it: one
 * throwaway RTCPeerConnection that makes an offer with an audio and a video
 * transceiver, then closes. A page's first RTCPeerConnection starts WebRTC's
 * threads and its first offer loads the codec lists: in a Chromium trace of a
 * newcomer to a mesh of four on a loaded machine, the first link took
 * 0.5–0.6 s longer to make than the next ones, all of it between the
 * server's `joined` and the first offer. Done on the pre-join screen, it is
 * paid while the person still reads it; Chromium keeps that machinery for the
 * page once started.
 *
 * The connection is made without a configuration (every link of a call
 * passes one), which is how test and benchmark observers tell it apart. No
 * ICE server, no description applied: nothing is gathered, nothing leaves the
 * page. Never rejects: a browser without WebRTC has nothing to warm up, and
 * the call reports the real problem later.
 */
export async function warmUpWebRtc(): Promise<void> {
  if (typeof RTCPeerConnection === 'undefined') return;
  let pc: RTCPeerConnection | undefined;
  try {
    pc = new RTCPeerConnection();
    pc.addTransceiver('audio', { direction: 'sendrecv' });
    pc.addTransceiver('video', { direction: 'sendrecv' });
    await pc.createOffer();
  } catch (error) {
    console.debug('[parley] could not warm up WebRTC:', error);
  } finally {
    pc?.close();
  }
}
