// A table of one-line cells drawn with box characters, as cli-table3 draws one, in time linear in
// its rows. cli-table3's layout takes time that grows with the square of the rows: the
// connections table of a capture with 10,000 connections took 100 s to draw. Tables whose cells
// wrap (the findings) still use cli-table3; they have a few rows each.

/** Draws `head` and `rows` (cells of one line each) with a separator line between rows. */
export function formatBoxTable(head: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((row) => row.map(String));
  const widths = head.map((title, column) => cells.reduce((widest, row) => Math.max(widest, displayWidth(row[column] ?? "")), displayWidth(title)));
  const rule = (left: string, middle: string, right: string) => `${left}${widths.map((width) => "─".repeat(width + 2)).join(middle)}${right}`;
  const line = (row: string[]) => `│${widths.map((width, column) => ` ${padEnd(row[column] ?? "", width)} `).join("│")}│`;
  const lines = [rule("┌", "┬", "┐"), line(head)];
  for (const row of cells) lines.push(rule("├", "┼", "┤"), line(row));
  lines.push(rule("└", "┴", "┘"));
  return lines.join("\n");
}

function padEnd(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - displayWidth(text)));
}

/** Columns a terminal gives `text`: wide East Asian characters take two, combining and control characters none. */
export function displayWidth(text: string): number {
  // Nearly every cell is printable ASCII: one column per character, no look at each one.
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let width = 0;
  for (const character of text) {
    const code = character.codePointAt(0)!;
    if (code < 0x20 || (code >= 0x7f && code < 0xa0) || ZERO_WIDTH.test(character)) continue;
    width += isWide(code) ? 2 : 1;
  }
  return width;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200b-\u200f\u2060\ufeff]$/u;

/** East Asian Wide and Fullwidth ranges (Unicode UAX #11), and the emoji planes. */
function isWide(code: number): boolean {
  return (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0x303e) || (code >= 0x3041 && code <= 0x33ff)
    || (code >= 0x3400 && code <= 0x4dbf) || (code >= 0x4e00 && code <= 0x9fff) || (code >= 0xa000 && code <= 0xa4cf)
    || (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) || (code >= 0xfe30 && code <= 0xfe4f)
    || (code >= 0xff00 && code <= 0xff60) || (code >= 0xffe0 && code <= 0xffe6) || (code >= 0x1f300 && code <= 0x1f64f)
    || (code >= 0x1f900 && code <= 0x1f9ff) || (code >= 0x20000 && code <= 0x3fffd);
}
