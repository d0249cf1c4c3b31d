export { Coturn, freePort, type CoturnOptions } from './Coturn.js';
export { NetworkLab, sh } from './NetworkLab.js';
export { NatTopology, PUBLIC_SUBNET, SERVER_ADDRESS, type Home, type NatKind } from './NatTopology.js';
export { TurnClient, type StunResponse } from './TurnClient.js';
export { ParleyProcess } from './ParleyProcess.js';
export { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.js';
export { TcpBalancer } from './TcpBalancer.js';
export { RedisProcess, type RedisProcessOptions } from './RedisProcess.js';
export { ParleyCluster, type ParleyClusterOptions } from './ParleyCluster.js';
