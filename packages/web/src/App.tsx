import { LandingPage } from './pages/LandingPage';
import { RoomPage } from './pages/RoomPage';
import { roomFromPath, usePathname } from './routing';

export function App() {
  const room = roomFromPath(usePathname());
  return room === undefined ? <LandingPage /> : <RoomPage key={room} room={room} />;
}
