import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PageServer {
  readonly port: number;
  /** The origin a page has when opened under this host name (it resolves to 127.0.0.1). */
  origin(host: string): string;
  close(): Promise<void>;
}

/**
 * Serves an empty HTML page at every path, on 127.0.0.1 and a free port. Opened
 * as `http://<name>.example.test:<port>/`, the page has that origin, so one
 * server stands for as many sites as the tests need.
 */
export async function startPageServer(): Promise<PageServer> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><meta charset="utf-8"><title>page</title>');
  });
  await listen(server);
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: (host) => `http://${host}:${port}`,
    close: () => closeServer(server),
  };
}

export function listen(server: Server, port = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
