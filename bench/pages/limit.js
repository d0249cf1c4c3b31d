// The physical limit of a call setup on this machine: two RTCPeerConnections
// in one page, wired directly (no server, no network hop for signaling).
import { CAPTURE } from './camera.js';

window.runLimit = async function runLimit() {
  const stream = await navigator.mediaDevices.getUserMedia(CAPTURE);
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  const firstFrame = (pc, id) =>
    new Promise((resolve) => {
      pc.ontrack = (e) => {
        if (e.track.kind !== 'video') return;
        const video = document.getElementById(id);
        video.srcObject = new MediaStream([e.track]);
        video.requestVideoFrameCallback(() => resolve(performance.now()));
      };
    });
  const frames = [firstFrame(a, 'a'), firstFrame(b, 'b')];
  for (const track of stream.getTracks()) {
    a.addTrack(track, stream);
    b.addTrack(track.clone(), stream);
  }
  const start = performance.now();
  const offer = await a.createOffer();
  await a.setLocalDescription(offer);
  await b.setRemoteDescription(offer);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription);
  const done = Math.max(...(await Promise.all(frames)));
  a.close();
  b.close();
  stream.getTracks().forEach((t) => t.stop());
  return done - start;
};
