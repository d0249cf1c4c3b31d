// The floor of what signaling can do: a minimal call through a bare `ws` relay
// that forwards every message to every other page, nothing else. Pages address
// each other by id; a newcomer says hello and everyone already there offers to
// it, so two pages make a call and more make a full mesh.
import { CAPTURE } from './camera.js';

window.runRelayPeer = async function runRelayPeer(relayUrl, selfId) {
  const stream = await navigator.mediaDevices.getUserMedia(CAPTURE);
  const socket = new WebSocket(relayUrl);
  await new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
  const send = (to, body) => socket.send(JSON.stringify({ from: selfId, to, ...body }));
  const links = new Map();
  const firstFrames = new Map();
  let onFrame = () => {};
  // Pages are opened ahead; one that has not said hello yet is not in the call and ignores everything.
  let joined = false;

  const link = (remoteId) => {
    const pc = new RTCPeerConnection();
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    pc.onicecandidate = (e) => e.candidate && send(remoteId, { candidate: e.candidate });
    pc.ontrack = (e) => {
      if (e.track.kind !== 'video') return;
      const video = document.createElement('video');
      Object.assign(video, { autoplay: true, muted: true, playsInline: true });
      video.srcObject = new MediaStream([e.track]);
      document.body.append(video);
      video.requestVideoFrameCallback(() => {
        firstFrames.set(remoteId, Date.now());
        onFrame();
      });
    };
    const entry = { pc, queue: Promise.resolve() };
    links.set(remoteId, entry);
    return entry;
  };

  socket.addEventListener('message', (event) => {
    const message = JSON.parse(event.data);
    if (!joined || (message.to && message.to !== selfId)) return;
    const entry = links.get(message.from) ?? link(message.from);
    const pc = entry.pc;
    // One step at a time per link, in arrival order.
    entry.queue = entry.queue.then(async () => {
      if (message.hello) {
        await pc.setLocalDescription(await pc.createOffer());
        send(message.from, { description: pc.localDescription });
      } else if (message.description) {
        await pc.setRemoteDescription(message.description);
        if (message.description.type === 'offer') {
          await pc.setLocalDescription(await pc.createAnswer());
          send(message.from, { description: pc.localDescription });
        }
      } else if (message.candidate) {
        await pc.addIceCandidate(message.candidate);
      }
    });
  });

  window.relayStart = () => {
    const start = Date.now();
    joined = true;
    socket.send(JSON.stringify({ from: selfId, hello: true }));
    return start;
  };
  // When a first frame has come from `count` others: the time of the latest.
  window.relayFrames = (count) =>
    new Promise((resolve) => {
      const check = () => firstFrames.size >= count && resolve(Math.max(...firstFrames.values()));
      onFrame = check;
      check();
    });
  // Bytes sent so far over every link (outbound RTP, audio and video).
  window.relayBytesSent = async () => {
    let total = 0;
    for (const { pc } of links.values()) {
      (await pc.getStats()).forEach((report) => {
        if (report.type === 'outbound-rtp') total += report.bytesSent ?? 0;
      });
    }
    return total;
  };
  window.relayClose = () => {
    for (const { pc } of links.values()) pc.close();
    socket.close();
    stream.getTracks().forEach((t) => t.stop());
  };
};
