// MediaMTX runs a path's runOnDemand/runOnInit command by splitting its line like a shell.

/**
 * One command line for MediaMTX's runOnDemand/runOnInit. Each argument is single-quoted when
 * it needs to be, so the line means the same split by MediaMTX or by a POSIX shell. The two
 * $VARIABLES MediaMTX substitutes stay outside quotes.
 */
export function commandLine(argv: string[]): string {
  return argv
    .map((argument) => {
      if (!argument.includes("$RTSP_PORT/$MTX_PATH")) return word(argument);
      const [before = "", after = ""] = argument.split("$RTSP_PORT/$MTX_PATH");
      return `${before ? word(before) : ""}$RTSP_PORT/$MTX_PATH${after ? word(after) : ""}`;
    })
    .join(" ");
}

/** Unquoted when it has no character a shell would treat specially. */
function word(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : quote(text);
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'"'"'`)}'`;
}
