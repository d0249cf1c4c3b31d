// Every reference captures what Parley's web app captures (DEFAULT_VIDEO_CONSTRAINTS
// in packages/client/src/LocalParticipant.ts): the same frames to encode and
// send, so a difference in time to first frame is the system's, not the
// resolution's. Chromium's fake camera gives 640x480 when asked for nothing.
export const CAPTURE = {
  video: { width: { ideal: 960 }, height: { ideal: 540 }, frameRate: { ideal: 24, max: 30 } },
  audio: true,
};
