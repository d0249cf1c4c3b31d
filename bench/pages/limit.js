// The physical limit of a call setup on this machine: two RTCPeerConnections
// in one page, wired directly (no server, no network hop for signaling).
import { CAPTURE } from './camera.js';
import { timeline } from './timeline.js';

// `scaleDown`: the camera stream starts that many times smaller on each side
// (sendEncodings), as Parley's starting budget does (START_SCALE_DOWN in
// packages/client/src/VideoBudget.ts); 1 sends the captured size.
// `timelineMode`: see timeline.js; the steps are left in window.limitTimeline.
window.runLimit = async function runLimit(scaleDown = 1, timelineMode = 'off') {
  const steps = timeline(timelineMode);
  window.limitTimeline = steps.events;
  const stream = await navigator.mediaDevices.getUserMedia(CAPTURE);
  steps.note('camera on');
  const a = new RTCPeerConnection();
  steps.note('a new');
  const b = new RTCPeerConnection();
  steps.note('b new');
  steps.watch(a, 'a');
  steps.watch(b, 'b');
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  const firstFrame = (pc, id) =>
    new Promise((resolve) => {
      pc.ontrack = (e) => {
        if (e.track.kind !== 'video') return;
        const video = document.getElementById(id);
        video.srcObject = new MediaStream([e.track]);
        video.requestVideoFrameCallback(() => {
          resolve(performance.now());
          steps.note(`${id} first frame (${video.videoWidth}x${video.videoHeight})`);
          void steps.receiverAt(pc, id);
        });
      };
    });
  const frames = [firstFrame(a, 'a'), firstFrame(b, 'b')];
  const allFrames = Promise.all(frames);
  steps.sampleSender(a, 'a', allFrames);
  steps.sampleSender(b, 'b', allFrames);
  for (const track of stream.getTracks()) {
    a.addTrack(track, stream);
    b.addTrack(track.clone(), stream);
  }
  // Each side's camera sender has its encoding once its side of the offer is applied; the encoders start only when connected.
  const scale = async (pc) => {
    if (scaleDown === 1) return;
    const sender = pc.getSenders().find((s) => s.track?.kind === 'video');
    const parameters = sender.getParameters();
    for (const encoding of parameters.encodings) encoding.scaleResolutionDownBy = scaleDown;
    await sender.setParameters(parameters);
  };
  const start = performance.now();
  steps.note('start');
  steps.note(`page ${document.visibilityState}${document.hasFocus() ? ', focused' : ''}`);
  const offer = await a.createOffer();
  await a.setLocalDescription(offer);
  await scale(a);
  await b.setRemoteDescription(offer);
  await scale(b);
  await b.setLocalDescription(await b.createAnswer());
  steps.note('answer made');
  await a.setRemoteDescription(b.localDescription);
  steps.note('answer applied');
  const done = Math.max(...(await Promise.all(frames)));
  a.close();
  b.close();
  stream.getTracks().forEach((t) => t.stop());
  return done - start;
};
