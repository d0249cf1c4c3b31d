// What a reference page did and when, for BENCH_TIMELINE=1: the same kind of
// timeline the Parley pages keep (bench/src/ParleyWebApp.ts), so the steps of
// a two-page call can be set beside those of the in-page limit. Off, it
// records nothing and adds no listener: the timed runs are not changed.
// `mode`: 'off', 'events' (states and messages), or 'stats' (also samples the
// camera sender's stats, which costs the page main-thread time of its own).

/** Date.now() and what happened, in order. */
export function timeline(mode = 'off') {
  const enabled = mode === 'events' || mode === 'stats';
  const events = [];
  const note = enabled ? (what) => events.push([Date.now(), what]) : () => {};
  return {
    enabled,
    /** At the first frame: what the receiver got (size, frames, key frames, bytes). */
    async receiverAt(pc, label) {
      if (!enabled) return;
      (await pc.getStats()).forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') {
          note(`${label} received ${r.frameWidth ?? 0}x${r.frameHeight ?? 0} decoded ${r.framesDecoded ?? 0} key ${r.keyFramesDecoded ?? 0} ${Math.round((r.bytesReceived ?? 0) / 1000)} kB`);
        }
      });
    },
    events,
    note,
    /** Notes the states a connection goes through: ICE gathering and checks, DTLS, the selected pair. */
    watch(pc, label) {
      if (!enabled) return;
      pc.addEventListener('signalingstatechange', () => note(`${label} signaling ${pc.signalingState}`));
      pc.addEventListener('icegatheringstatechange', () => note(`${label} gathering ${pc.iceGatheringState}`));
      pc.addEventListener('iceconnectionstatechange', () => note(`${label} ice ${pc.iceConnectionState}`));
      pc.addEventListener('connectionstatechange', () => note(`${label} connection ${pc.connectionState}`));
      let candidates = 0;
      pc.addEventListener('icecandidate', (e) => {
        if (e.candidate) candidates++;
        else note(`${label} ${candidates} candidates gathered`);
      });
      pc.addEventListener('track', (e) => note(`${label} track ${e.track.kind}`));
    },
    /**
     * From the connection's "connected" until the first frame: every 40 ms the
     * camera sender's frames encoded and sent, its size and why it is limited,
     * and the bitrate the path is thought to carry. Shows how long the
     * encoder's start takes (frames dropped, size stepped down) at the size
     * the page sends.
     */
    sampleSender(pc, label, until) {
      if (mode !== 'stats') return;
      let last = '';
      const sample = async () => {
        const stats = await pc.getStats();
        let line = '';
        let rate = '';
        stats.forEach((r) => {
          if (r.type === 'outbound-rtp' && r.kind === 'video') {
            line = `enc ${r.framesEncoded ?? 0} sent ${r.framesSent ?? 0} ${r.frameWidth ?? 0}x${r.frameHeight ?? 0} key ${r.keyFramesEncoded ?? 0} ${r.qualityLimitationReason ?? ''} ${Math.round((r.bytesSent ?? 0) / 1000)} kB`;
          }
          if (r.type === 'candidate-pair' && r.nominated && r.availableOutgoingBitrate) rate = ` bwe ${Math.round(r.availableOutgoingBitrate / 1000)} kbps`;
        });
        if (line + rate !== last) note(`${label} sender ${line}${rate}`);
        last = line + rate;
      };
      const started = new Promise((resolve) =>
        pc.addEventListener('connectionstatechange', () => pc.connectionState === 'connected' && resolve()),
      );
      void started.then(async () => {
        let done = false;
        void until.then(() => (done = true));
        // Bounded: 100 samples (4 s) at most.
        for (let i = 0; i < 100 && !done; i++) {
          await sample();
          await new Promise((resolve) => setTimeout(resolve, 40));
        }
        await sample();
      });
    },
  };
}
