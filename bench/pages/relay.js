// The floor of what signaling can do: a minimal call through a bare `ws` relay
// that forwards every message to every other page, nothing else. Pages address
// each other by id; a newcomer says hello and everyone already there offers to
// it, so two pages make a call and more make a full mesh.
import { CAPTURE } from './camera.js';
import { timeline } from './timeline.js';

// `scaleDown`: the camera stream starts that many times smaller (as in
// limit.js; 1 sends the captured size). `timelineMode`: see timeline.js;
// window.relayTimeline() gives the steps.
window.runRelayPeer = async function runRelayPeer(relayUrl, selfId, scaleDown = 1, timelineMode = 'off') {
  const steps = timeline(timelineMode);
  const stream = await navigator.mediaDevices.getUserMedia(CAPTURE);
  const socket = new WebSocket(relayUrl);
  await new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
  const send = (to, body) => socket.send(JSON.stringify({ from: selfId, to, ...body }));
  const links = new Map();
  const firstFrames = new Map();
  let onFrame = () => {};
  // Pages are opened ahead; one that has not said hello yet is not in the call and ignores everything.
  let joined = false;

  // The camera sender has its encoding once the link's first description is applied on this side.
  const scale = async (pc) => {
    if (scaleDown === 1) return;
    const sender = pc.getSenders().find((s) => s.track?.kind === 'video');
    const parameters = sender.getParameters();
    if (parameters.encodings.every((e) => e.scaleResolutionDownBy === scaleDown)) return;
    for (const encoding of parameters.encodings) encoding.scaleResolutionDownBy = scaleDown;
    await sender.setParameters(parameters);
  };

  const link = (remoteId) => {
    const pc = new RTCPeerConnection();
    steps.note(`${remoteId} new`);
    steps.watch(pc, remoteId);
    let frameSeen;
    steps.sampleSender(pc, remoteId, new Promise((resolve) => (frameSeen = resolve)));
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
        steps.note(`${remoteId} first frame (${video.videoWidth}x${video.videoHeight})`);
        void steps.receiverAt(pc, remoteId);
        frameSeen();
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
    if (!message.candidate) steps.note(`<- ${message.from} ${message.hello ? 'hello' : message.description.type}`);
    const entry = links.get(message.from) ?? link(message.from);
    const pc = entry.pc;
    // One step at a time per link, in arrival order.
    entry.queue = entry.queue.then(async () => {
      if (message.hello) {
        await pc.setLocalDescription(await pc.createOffer());
        await scale(pc);
        send(message.from, { description: pc.localDescription });
        steps.note(`-> ${message.from} offer`);
      } else if (message.description) {
        await pc.setRemoteDescription(message.description);
        if (message.description.type === 'offer') {
          await scale(pc);
          await pc.setLocalDescription(await pc.createAnswer());
          send(message.from, { description: pc.localDescription });
          steps.note(`-> ${message.from} answer`);
        }
      } else if (message.candidate) {
        await pc.addIceCandidate(message.candidate);
      }
    });
  });

  window.relayStart = () => {
    const start = Date.now();
    joined = true;
    // Whether Chromium counts the page as shown and focused: a hidden page's rendering (and so requestVideoFrameCallback) is throttled.
    steps.note(`hello (${document.visibilityState}${document.hasFocus() ? ', focused' : ''})`);
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
  window.relayTimeline = () => steps.events;
  window.relayClose = () => {
    for (const { pc } of links.values()) pc.close();
    socket.close();
    stream.getTracks().forEach((t) => t.stop());
  };
};
