// The floor of what signaling can do: a minimal two-page call through a bare
// `ws` relay that forwards every message to the other page, nothing else.
window.runRelayPeer = async function runRelayPeer(relayUrl, offerer) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
  const socket = new WebSocket(relayUrl);
  await new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
  const pc = new RTCPeerConnection();
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  pc.onicecandidate = (e) => e.candidate && socket.send(JSON.stringify({ candidate: e.candidate }));
  const frame = new Promise((resolve) => {
    pc.ontrack = (e) => {
      if (e.track.kind !== 'video') return;
      const video = document.getElementById('remote');
      video.srcObject = new MediaStream([e.track]);
      video.requestVideoFrameCallback(() => resolve(Date.now()));
    };
  });
  socket.addEventListener('message', async (event) => {
    const message = JSON.parse(event.data);
    if (message.hello && offerer) {
      await pc.setLocalDescription(await pc.createOffer());
      socket.send(JSON.stringify({ description: pc.localDescription }));
    } else if (message.description) {
      await pc.setRemoteDescription(message.description);
      if (message.description.type === 'offer') {
        await pc.setLocalDescription(await pc.createAnswer());
        socket.send(JSON.stringify({ description: pc.localDescription }));
      }
    } else if (message.candidate) {
      await pc.addIceCandidate(message.candidate);
    }
  });
  window.relayStart = () => {
    const start = Date.now();
    socket.send(JSON.stringify({ hello: true }));
    return start;
  };
  window.relayFirstFrame = frame;
  window.relayClose = () => {
    pc.close();
    socket.close();
    stream.getTracks().forEach((t) => t.stop());
  };
};
