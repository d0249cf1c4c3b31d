export { PROTOCOL_VERSION } from './version.js';
export * from './limits.js';
export * from './errors.js';
export * from './common.js';
export * from './client-messages.js';
export * from './server-messages.js';
export * from './codec.js';
export * from './peer-messages.js';
export * from './room-token.js';
