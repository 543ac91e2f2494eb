// Computed network facts of a gateway: its server address, its client-side address list (-cip) and the
// address its loop partner searches from (the DENY FROM address). Shared by validation and rendering so
// both read the same answer. Pure.
import type { AgentConfig, GatewayConfig, NetworkConfig } from './types.js';

export function networkByName(config: AgentConfig, name: string): NetworkConfig | undefined {
  return config.networks.find((n) => n.name === name);
}

/** The -sip address: this container's address on the gateway's server-side network. */
export function serverAddress(config: AgentConfig, gateway: GatewayConfig): string | undefined {
  // '' is a network whose address did not parse (already reported).
  return networkByName(config, gateway.serverNetwork)?.address || undefined;
}

/**
 * The -cip list. An explicit `client_addresses` wins; otherwise the client network's `search` list;
 * otherwise, for a subnet, its broadcast address. The GIN has no broadcast default: searching the whole
 * GIN would reach this container's own gateways (the whitelist rule of the seed site).
 */
export function clientAddressList(config: AgentConfig, gateway: GatewayConfig): string[] {
  if (gateway.clientAddresses.length > 0) return gateway.clientAddresses;
  const network = networkByName(config, gateway.clientNetwork);
  if (network === undefined) return [];
  if (network.search.length > 0) return network.search;
  return network.isGin ? [] : [network.broadcast];
}

/**
 * The source address that searches from this container's other gateways carry when they arrive at this
 * gateway's server side: the container's own address on the server network. A forward gateway (server on
 * the GIN) thereby denies its reverse partner, a reverse gateway (server on the subnet) its forward partner,
 * and a oneway GIN-GIN gateway its own client side.
 */
export function loopDenyAddress(config: AgentConfig, gateway: GatewayConfig): string | undefined {
  return serverAddress(config, gateway);
}
