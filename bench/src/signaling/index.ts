/** Signaling under load, for `npm run bench` (bench/src/main.ts) and `npm run bench:signaling` (cli.ts). */
export { benchSignaling, FULL_OPTIONS, QUICK_OPTIONS, type Measurement, type RoundResult, type SignalingOptions, type SignalingResult } from './benchSignaling.js';
export { signalingChart, signalingMarkdown, SIGNALING_SECTION, writeSignalingReport } from './signalingReport.js';
