// torchrun for torchts: starts one process per rank on this machine with the environment that
// initProcessGroup({ initMethod: "env://" }) reads (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT), prefixes their output with the rank, and stops them all when one fails.
//   npx torchts run --nproc-per-node 2 train.ts [script args...]     (.ts scripts run through ts-node)
import { spawn, ChildProcess } from "child_process";
import * as net from "net";

export interface RunOptions {
  nprocPerNode: number;
  masterAddr?: string;
  /** Default: a free port. */
  masterPort?: number;
  /** Extra environment for every rank. */
  env?: NodeJS.ProcessEnv;
  /** Write each rank's output lines with a "[rank N]" prefix (default true). */
  prefix?: boolean;
}

/** A TCP port that is free on host now (for MASTER_PORT). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, host, () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
}

function pipeLines(src: NodeJS.ReadableStream, dst: NodeJS.WritableStream, tag: string): void {
  let buf = "";
  src.on("data", (d) => {
    buf += d;
    const lines = buf.split("\n");
    buf = lines.pop()!;
    for (const l of lines) dst.write(tag + l + "\n");
  });
  src.on("end", () => { if (buf) dst.write(tag + buf + "\n"); });
}

/** Runs script once per rank; resolves with the first non-zero exit code (0 when every rank succeeded). */
export async function run(script: string, args: string[], opts: RunOptions): Promise<number> {
  const n = opts.nprocPerNode;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`nprocPerNode must be a positive integer, got ${n}`);
  const addr = opts.masterAddr ?? "127.0.0.1";
  const port = opts.masterPort ?? (await freePort(addr));
  const node = script.endsWith(".ts") ? ["-r", require.resolve("ts-node/register/transpile-only")] : [];
  const children: ChildProcess[] = [];
  let failed = 0;
  const done = Array.from({ length: n }, (_, rank) => new Promise<number>((resolve) => {
    const env = { ...process.env, ...opts.env, RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: String(n),
      LOCAL_WORLD_SIZE: String(n), MASTER_ADDR: addr, MASTER_PORT: String(port) };
    const c = spawn(process.execPath, [...node, script, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    children.push(c);
    const tag = opts.prefix === false ? "" : `[rank ${rank}] `;
    pipeLines(c.stdout!, process.stdout, tag);
    pipeLines(c.stderr!, process.stderr, tag);
    c.on("exit", (code, signal) => {
      const rc = code ?? (signal ? 128 : 1);
      if (rc !== 0 && !failed) {
        failed = rc;
        process.stderr.write(`torchts run: rank ${rank} exited with ${signal ?? code}; stopping the others\n`);
        for (const o of children) if (o !== c && o.exitCode === null) o.kill("SIGTERM");
      }
      resolve(rc);
    });
  }));
  await Promise.all(done);
  return failed;
}
