// Camera URLs may carry a login (rtsp://user:password@host/…). Anything that can reach a log
// line, an answer or an error message goes through here first.

const LOGIN_IN_URL = /\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi;

/** `text` with the login of every URL in it replaced by `***`. */
export function maskUrlCredentials(text: string): string {
  return text.replace(LOGIN_IN_URL, "$1***@");
}
