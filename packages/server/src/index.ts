export { loadConfig, DEFAULT_CONFIG, OPTIONS, ConfigError, type ServerConfig } from './config.js';
export { startParleyServer, type RunningServer } from './ParleyServer.js';
export { SignalingServer, SIGNALING_PATH } from './SignalingServer.js';
export { RoomRegistry } from './RoomRegistry.js';
export { Room } from './Room.js';
export type { Member } from './Member.js';
export { createLogger } from './logger.js';
export { turnRestCredential, iceServerProvider, type IceServerProvider, type IceServerGrant } from './iceServers.js';
export { RateLimiter } from './RateLimiter.js';
