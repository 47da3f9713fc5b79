import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";

/**
 * Passphrase encryption of backups by GnuPG (OpenPGP symmetric, AES-256, integrity-protected):
 * a well-kept tool, not our own crypto. The plaintext only ever passes through a pipe.
 */

/** An archive gpg wrote: an OpenPGP symmetric-key packet, old (0x8c) or new (0xc3) format. */
export function looksEncrypted(data: Uint8Array): boolean {
  return data[0] === 0x8c || data[0] === 0xc3;
}

export async function encrypt(plain: Uint8Array, passphraseFile: string): Promise<Uint8Array> {
  const result = await gpg(
    ["--symmetric", "--cipher-algo", "AES256", "--s2k-digest-algo", "SHA512", "--output", "-"],
    passphraseFile,
    plain,
  );
  if (result.exitCode !== 0) throw new Error(`encryption failed: ${lastLine(result.stderr)}`);
  return result.stdout;
}

/** The plaintext; an error naming the cause for a wrong passphrase or a damaged archive. */
export async function decrypt(data: Uint8Array, passphraseFile: string): Promise<Uint8Array> {
  const result = await gpg(["--decrypt", "--output", "-"], passphraseFile, data);
  if (result.exitCode === 0) return result.stdout;
  throw new Error(
    result.stderr.includes("Bad session key")
      ? "wrong passphrase"
      : `cannot decrypt: ${lastLine(result.stderr)}`,
  );
}

/**
 * gpg in a private, empty home of its own: no keyring or agent of the caller's is touched,
 * and the agent gpg starts there is stopped again before the home is removed.
 */
async function gpg(args: string[], passphraseFile: string, input: Uint8Array) {
  const home = await mkdtemp(join(tmpdir(), "camera-agent-gpg-"));
  try {
    const result = await execa(
      "gpg",
      [
        "--homedir",
        home,
        "--batch",
        "--quiet",
        "--yes",
        "--no-options",
        "--no-symkey-cache",
        "--pinentry-mode",
        "loopback",
        "--passphrase-file",
        passphraseFile,
        ...args,
      ],
      { input, encoding: "buffer", reject: false },
    );
    return {
      exitCode: result.exitCode ?? 1,
      stdout: new Uint8Array(result.stdout),
      stderr: new TextDecoder().decode(result.stderr),
    };
  } finally {
    await execa("gpgconf", ["--homedir", home, "--kill", "all"], { reject: false });
    await rm(home, { recursive: true, force: true });
  }
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split("\n")
      .at(-1)
      ?.replace(/^gpg: /, "") || "gpg failed"
  );
}
