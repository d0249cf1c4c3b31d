// The limit of a file transfer between two pages: one RTCDataChannel, bytes
// made in the page (no file, no hashing, no framing), and ideal backpressure:
// send while the buffer is under `high`, resume on bufferedamountlow at `low`
// (1 MiB and 256 KiB unless given).
// Signaling over the bare relay (relay.js's wire format, two pages).
const HIGH = 1024 * 1024;
const LOW = 256 * 1024;

window.runDataChannelPeer = async function runDataChannelPeer(relayUrl, selfId) {
  const socket = new WebSocket(relayUrl);
  await new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
  const pc = new RTCPeerConnection();
  let remoteId;
  const send = (body) => socket.send(JSON.stringify({ from: selfId, to: remoteId, ...body }));
  pc.onicecandidate = (e) => e.candidate && send({ candidate: e.candidate });
  let queue = Promise.resolve();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(event.data);
    if (message.to && message.to !== selfId) return;
    remoteId = message.from;
    queue = queue.then(async () => {
      if (message.description) {
        await pc.setRemoteDescription(message.description);
        if (message.description.type === 'offer') {
          await pc.setLocalDescription(await pc.createAnswer());
          send({ description: pc.localDescription });
        }
      } else if (message.candidate) {
        await pc.addIceCandidate(message.candidate);
      }
    });
  });

  // Receiver: counts bytes until `total` arrived; resolves with the time (performance.now()).
  window.dcReceive = (total) =>
    new Promise((resolve) => {
      pc.ondatachannel = ({ channel }) => {
        channel.binaryType = 'arraybuffer';
        let received = 0;
        channel.onmessage = (event) => {
          received += event.data.byteLength;
          if (received >= total) resolve(Date.now());
        };
      };
    });

  // Sender: opens the channel to `to` and sends `total` bytes in `chunk`-byte messages; resolves with the time it opened.
  window.dcSend = async (to, total, chunk, high = HIGH, low = LOW) => {
    remoteId = to;
    const channel = pc.createDataChannel('bench', { ordered: true });
    channel.binaryType = 'arraybuffer';
    channel.bufferedAmountLowThreshold = low;
    await pc.setLocalDescription(await pc.createOffer());
    send({ description: pc.localDescription });
    await new Promise((resolve) => (channel.onopen = resolve));
    const openedAt = Date.now();
    const block = new Uint8Array(chunk);
    // getRandomValues fills at most 64 KiB at a time.
    for (let at = 0; at < chunk; at += 65536) crypto.getRandomValues(block.subarray(at, at + 65536));
    for (let sent = 0; sent < total; sent += chunk) {
      if (channel.bufferedAmount > high) {
        await new Promise((resolve) => (channel.onbufferedamountlow = resolve));
      }
      channel.send(block.subarray(0, Math.min(chunk, total - sent)));
    }
    return openedAt;
  };
  window.dcClose = () => {
    pc.close();
    socket.close();
  };
};
