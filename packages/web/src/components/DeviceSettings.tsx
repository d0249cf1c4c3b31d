import { useEffect, useState } from 'react';
import { listMediaDevices, type LocalParticipant, type MediaDevices } from '@parley/client';
import { canChooseSpeaker } from '../audioOutput';
import { useRerenderOn } from '../hooks/useRerenderOn';

interface Props {
  local: LocalParticipant;
  speaker: string;
  onSpeakerChange: (deviceId: string) => void;
}

const NONE: MediaDevices = { cameras: [], microphones: [], speakers: [] };

/** Camera, microphone and speaker pickers; switching mid-call needs no renegotiation. */
export function DeviceSettings({ local, speaker, onSpeakerChange }: Props) {
  useRerenderOn(local, ['track-changed']);
  const [devices, setDevices] = useState<MediaDevices>(NONE);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const refresh = () => void listMediaDevices().then((found) => live && setDevices(found));
    refresh();
    navigator.mediaDevices?.addEventListener('devicechange', refresh);
    return () => {
      live = false;
      navigator.mediaDevices?.removeEventListener('devicechange', refresh);
    };
  }, [local]);

  const pick = (kind: 'audio' | 'video', deviceId: string) => {
    setProblem(null);
    local.switchDevice(kind, deviceId).catch((error: Error) => setProblem(error.message));
  };

  return (
    <div className="device-settings">
      <DeviceSelect label="Camera" devices={devices.cameras} value={local.deviceId('video') ?? ''} onChange={(id) => pick('video', id)} />
      <DeviceSelect label="Microphone" devices={devices.microphones} value={local.deviceId('audio') ?? ''} onChange={(id) => pick('audio', id)} />
      {canChooseSpeaker && <DeviceSelect label="Speaker" devices={devices.speakers} value={speaker} onChange={onSpeakerChange} />}
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
    </div>
  );
}

interface SelectProps {
  label: string;
  devices: MediaDeviceInfo[];
  value: string;
  onChange: (deviceId: string) => void;
}

function DeviceSelect({ label, devices, value, onChange }: SelectProps) {
  return (
    <label className="field">
      <span>{label}</span>
      <select aria-label={label} value={value} disabled={devices.length === 0} onChange={(event) => onChange(event.target.value)}>
        {devices.length === 0 && <option value="">None found</option>}
        {devices.map((device, index) => (
          <option key={device.deviceId} value={device.deviceId}>
            {device.label || `${label} ${index + 1}`}
          </option>
        ))}
      </select>
    </label>
  );
}
