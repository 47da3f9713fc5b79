/** zod's message without its generic lead-in, e.g. "expected number, received string". */
export function plainZodMessage(message: string): string {
  return message.replace(/^Invalid (input|option): /, "");
}
