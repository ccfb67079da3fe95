// Builds the dashboard and serves it: the static page, its config (which vault, which RPC endpoint),
// and, for a chain in this process, a JSON-RPC endpoint at /rpc on the same origin.
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { build } from "vite";

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, "dist");
const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".svg": "image/svg+xml" };

/** Anything that answers EIP-1193 requests: a Hardhat network connection's provider. */
export interface RequestProvider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

export interface DashboardOptions {
  vault: string;
  /** The page's JSON-RPC endpoint; omitted, `/rpc` on the page's origin, answered by `provider`. */
  rpc?: string;
  provider?: RequestProvider;
  router?: string | null;
  fromBlock?: number;
  port?: number;
  hostname?: string;
}

/** Bundles the page into dashboard/dist; returns the bundle's files and their sizes in bytes, plain and gzipped. */
export async function buildDashboard() {
  const output = await build({ configFile: path.join(root, "vite.config.ts"), logLevel: "warn" });
  const outputs = (Array.isArray(output) ? output : [output]) as { output: { fileName: string; type: string; code?: string; source?: string | Uint8Array }[] }[];
  const files = outputs
    .flatMap((o) => o.output)
    .map((f) => {
      const content = Buffer.from(f.type === "chunk" ? f.code! : f.source!);
      return { file: f.fileName, bytes: content.length, gzipped: gzipSync(content).length };
    });
  return { files, bytes: files.reduce((a, f) => a + f.bytes, 0), gzipped: files.reduce((a, f) => a + f.gzipped, 0) };
}

/** Serves the built page (build it first) until `close()`. */
export async function serveDashboard(options: DashboardOptions) {
  if (!existsSync(path.join(dist, "index.html"))) throw new Error("the dashboard is not built: run buildDashboard() first");
  if (options.rpc === undefined && options.provider === undefined) throw new Error("give the page an RPC URL or a provider to answer /rpc");
  const config = JSON.stringify({ rpc: options.rpc ?? "./rpc", vault: options.vault, router: options.router ?? null, fromBlock: options.fromBlock ?? 0 });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/rpc" && options.provider !== undefined) {
      // Open to pages of other origins, as public RPC endpoints are: a dashboard served elsewhere can read it.
      res.setHeader("access-control-allow-origin", "*");
      res.setHeader("access-control-allow-headers", "content-type");
      if (req.method === "OPTIONS") res.writeHead(204).end();
      else if (req.method === "POST") void bridge(options.provider, req, res);
      else res.writeHead(405).end("POST JSON-RPC requests here");
      return;
    }
    if (url.pathname === "/config.json") {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(config);
      return;
    }
    const file = path.normalize(path.join(dist, url.pathname === "/" ? "index.html" : url.pathname));
    if (!file.startsWith(dist) || !existsSync(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.hostname ?? "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.hostname ?? "127.0.0.1"}:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One JSON-RPC request or batch, answered by `provider`, errors with their revert data. */
async function bridge(provider: RequestProvider, req: http.IncomingMessage, res: http.ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    res.writeHead(400).end("bad JSON");
    return;
  }
  const answer = async (call: { id?: unknown; method: string; params?: unknown[] }) => {
    try {
      return { jsonrpc: "2.0", id: call.id ?? null, result: await provider.request({ method: call.method, params: call.params ?? [] }) };
    } catch (error) {
      const e = error as { code?: number; message?: string; data?: unknown };
      return { jsonrpc: "2.0", id: call.id ?? null, error: { code: typeof e.code === "number" ? e.code : -32603, message: e.message ?? String(error), data: e.data } };
    }
  };
  const result = Array.isArray(body) ? await Promise.all(body.map(answer)) : await answer(body as { method: string });
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result, (_k, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v)));
}
