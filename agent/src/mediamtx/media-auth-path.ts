/** The agent endpoint MediaMTX's authMethod: http calls (loopback peers only). */
export const MEDIA_AUTH_PATH = "/internal/mediamtx/auth";
