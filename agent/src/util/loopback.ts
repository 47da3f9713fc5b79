/** Whether a peer address is this machine (IPv4, IPv6, IPv4-mapped IPv6). */
export function isLoopback(ip: string): boolean {
  return ip === "::1" || ip.startsWith("127.") || ip.startsWith("::ffff:127.");
}
