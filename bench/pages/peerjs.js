// The same two-page call as people write it with PeerJS: the `peer` server
// for signaling, `peer.call(id, stream)` on one side, `call.answer(stream)`
// on the other. No public STUN server (PeerJS's default config has one).
import { CAPTURE } from './camera.js';

window.runPeerJs = async function runPeerJs(port, selfId) {
  const stream = await navigator.mediaDevices.getUserMedia(CAPTURE);
  const peer = new window.peerjs.Peer(selfId, {
    host: '127.0.0.1',
    port,
    path: '/',
    secure: false,
    debug: 0,
    config: { iceServers: [] },
  });
  await new Promise((resolve, reject) => {
    peer.once('open', resolve);
    peer.once('error', reject);
  });
  let frameAt;
  const frame = new Promise((resolve) => (frameAt = resolve));
  const watch = (call) =>
    call.on('stream', (remote) => {
      const video = document.createElement('video');
      Object.assign(video, { autoplay: true, muted: true, playsInline: true });
      video.srcObject = remote;
      document.body.append(video);
      video.requestVideoFrameCallback(() => frameAt(Date.now()));
    });
  peer.on('call', (call) => {
    call.answer(stream);
    watch(call);
  });
  window.peerJsCall = (remoteId) => {
    const start = Date.now();
    watch(peer.call(remoteId, stream));
    return start;
  };
  window.peerJsFirstFrame = frame;
  window.peerJsClose = () => {
    peer.destroy();
    stream.getTracks().forEach((t) => t.stop());
  };
};
