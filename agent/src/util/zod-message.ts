/**
 * zod's message in a person's words: without its generic lead-in, and with its comparison
 * notation spelled out ("Too big: expected number to be <=100" → "must be at most 100").
 */
export function plainZodMessage(message: string): string {
  const text = message.replace(/^Invalid (input|option): /, "");
  const bound =
    /^Too (big|small): expected (number|string|array) to (?:be|have) ([<>]=?)(\d+)( \w+)?$/.exec(
      text,
    );
  if (bound) {
    const [, , kind, operator, limit, unit = ""] = bound;
    const words = { "<=": "at most", "<": "less than", ">=": "at least", ">": "more than" }[
      operator as "<=" | "<" | ">=" | ">"
    ];
    if (kind === "number") return `must be ${words} ${limit}`;
    if (kind === "string" && operator === ">=" && limit === "1") return "must not be empty";
    return `must have ${words} ${limit}${unit || (kind === "array" ? " items" : " characters")}`;
  }
  if (text === "expected int, received number") return "expected a whole number";
  return text;
}
