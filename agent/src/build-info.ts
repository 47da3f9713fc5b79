import packageJson from "../../package.json" with { type: "json" };

// Replaced by `bun build --define` in release binaries; absent when run from source.
declare const CAMERA_AGENT_VERSION: string;
declare const CAMERA_AGENT_COMMIT: string;
declare const CAMERA_AGENT_BUILD_DATE: string;

export interface BuildInfo {
  version: string;
  commit: string;
  buildDate: string;
  runtime: string;
  /** Debian/Go naming (amd64, arm64), as clients of the contract expect. */
  architecture: string;
}

const ARCHITECTURES: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "armhf" };

export const buildInfo: BuildInfo = {
  version:
    typeof CAMERA_AGENT_VERSION === "string" ? CAMERA_AGENT_VERSION : `${packageJson.version}-dev`,
  commit: typeof CAMERA_AGENT_COMMIT === "string" ? CAMERA_AGENT_COMMIT : "unknown",
  buildDate: typeof CAMERA_AGENT_BUILD_DATE === "string" ? CAMERA_AGENT_BUILD_DATE : "unknown",
  runtime: `bun ${Bun.version}`,
  architecture: ARCHITECTURES[process.arch] ?? process.arch,
};
