/**
 * Runs in the page before the app: remembers every RTCPeerConnection the app
 * creates for a call (not the warm-up on the pre-join screen), so a test can
 * read its real state and stats. It subclasses the browser's own class and
 * changes no behaviour: WebRTC stays real.
 */
export function observePeerConnections(): void {
  const Native = window.RTCPeerConnection;
  const created: RTCPeerConnection[] = [];
  (window as unknown as { __parleyPeerConnections: RTCPeerConnection[] }).__parleyPeerConnections = created;
  window.RTCPeerConnection = class extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      // Made without a configuration: the SDK's warm-up on the pre-join screen (warmUpWebRtc), closed at once, not a link.
      if (configuration !== undefined) created.push(this);
    }
  };
}
