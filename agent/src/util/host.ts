/** A host for a URL or a log line: IPv6 addresses get their brackets (once). */
export function urlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

export function hostPort(host: string, port: number | string | undefined): string {
  return `${urlHost(host)}:${port}`;
}
