/**
 * What the domain needs from the media server side. The reconcile loop (mediamtx/) implements
 * it; the domain only changes its own state (recording, always-on) and then awaits `settle`.
 */
export interface MediaServer {
  /** Throws a dependency failure at once while MediaMTX is known to be down (the breaker). */
  assertAvailable(): void;
  /**
   * Resolves once an apply of the desired state that began after this call has finished;
   * throws a dependency failure when MediaMTX did not take it.
   */
  settle(): Promise<void>;
  /** rtsp://… to read a camera's path as the agent (may carry the agent's credentials). */
  readUrl(cameraId: string): Promise<string>;
  /** Clients reading the camera's path now (0 when it has none). */
  readers(cameraId: string): Promise<number>;
}
