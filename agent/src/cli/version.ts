import { buildInfo } from "../build-info.ts";

export function versionCommand(): void {
  console.log(`camera-agent ${buildInfo.version}
commit: ${buildInfo.commit}
built: ${buildInfo.buildDate}
runtime: ${buildInfo.runtime}
architecture: ${buildInfo.architecture}`);
}
