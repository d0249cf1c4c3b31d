/**
 * Runs in the page before the app: remembers every RTCPeerConnection the app
 * creates, so a test can read its real state and stats. It subclasses the
 * browser's own class and changes no behaviour: WebRTC stays real.
 */
export function observePeerConnections(): void {
  const Native = window.RTCPeerConnection;
  const created: RTCPeerConnection[] = [];
  (window as unknown as { __parleyPeerConnections: RTCPeerConnection[] }).__parleyPeerConnections = created;
  window.RTCPeerConnection = class extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      created.push(this);
    }
  };
}
