// Checks an RPC URL before a fork uses it: reachable within a bounded time, and the chain it claims.
// Messages name the variable and the URL's origin only: a path may carry an API key.

export async function probeRpc(variable: string, url: string, expectedChainId: bigint, timeoutMs = 10_000): Promise<void> {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    throw new Error(`${variable} is not a URL`);
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    const reason = e.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw new Error(`${variable} (${origin}) is unreachable: ${reason}; check the variable`);
  }
  if (!response.ok) throw new Error(`${variable} (${origin}) answered HTTP ${response.status}; check the URL and its API key`);
  const body = (await response.json().catch(() => null)) as { result?: unknown } | null;
  if (typeof body?.result !== "string") throw new Error(`${variable} (${origin}) did not answer eth_chainId as a JSON-RPC endpoint`);
  const chainId = BigInt(body.result);
  if (chainId !== expectedChainId) throw new Error(`${variable} (${origin}) is chain ${chainId}, not ${expectedChainId}`);
}
