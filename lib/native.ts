// Loads the native addon and checks that it was built against the libtorch it now runs with.
import * as path from "path";
import * as fs from "fs";

function load(): any {
  const root = path.join(__dirname, "..");
  const candidates = [
    process.env.TORCHTS_NATIVE,
    path.join(root, process.env.TORCHTS_BUILD_DIR ?? "build", "Release", "torchts.node"),
    path.join(root, "build", "Release", "torchts.node"),
  ].filter((p): p is string => !!p);
  const file = candidates.find((p) => fs.existsSync(p));
  if (!file) {
    throw new Error(
      `torchts: the native addon is not built (looked for ${candidates.join(", ")}). ` +
        "Run `npm run build` (see README, Troubleshooting).",
    );
  }
  // The libtorch the addon was built against must still be the one installed there.
  const rec = path.join(path.dirname(file), "torchts-build.json");
  if (fs.existsSync(rec)) {
    const b = JSON.parse(fs.readFileSync(rec, "utf8"));
    const cfg = b.cmakeDir && path.join(b.cmakeDir, "TorchConfigVersion.cmake");
    if (cfg && fs.existsSync(cfg)) {
      const m = /PACKAGE_VERSION "([^"]+)"/.exec(fs.readFileSync(cfg, "utf8"));
      if (m && b.libtorchVersion && m[1] !== b.libtorchVersion)
        throw new Error(`torchts: built against libtorch ${b.libtorchVersion} but ${b.cmakeDir} now holds ${m[1]}; rebuild with \`npm run build\``);
    }
  }
  try {
    return require(file);
  } catch (e: any) {
    throw new Error(
      `torchts: could not load ${file}: ${e.message}\n` +
        "The addon is linked to the libtorch it was built with; if that libtorch moved or changed, rebuild with `npm run build`.",
    );
  }
}

export const native: any = load();
export const buildInfo: {
  libtorchVersion: string; libtorchDir: string; cudaBuild: boolean; hasCuda: boolean; cudaDeviceCount: number;
  hasCudnn: boolean; threads: number; interopThreads: number; parallelInfo: string; config: string;
} = native.BuildInfo();
