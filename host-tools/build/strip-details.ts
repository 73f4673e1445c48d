// A rejection carries a code and a human-readable detail (firmware/rejections.ts). A board only counts
// the code (node stats `rejected_<CODE>`); the detail is read by host tools (the aggregator's answers,
// tests). In a board bundle the details are text nobody reads that costs heap once parsed, so the
// build replaces the detail argument of every `new Rejection(code, detail)` and `reject(code, detail)`
// with '' before bundling: codes, control flow and what is rejected stay exactly the same.

const CALLS = /(?<![\w$.])(new Rejection|reject)\(/g;
const OPEN = '([{';
const CLOSE = ')]}';

/** The end of a string or template literal starting at `start` (its quote), exclusive. */
function skipString(source: string, start: number): number {
  const quote = source[start];
  let index = start + 1;
  while (index < source.length && source[index] !== quote) {
    if (source[index] === '\\') index++;
    else if (quote === '`' && source[index] === '$' && source[index + 1] === '{') index = skipBalanced(source, index + 1) - 1;
    index++;
  }
  return index + 1;
}

/** The end (exclusive) of the bracketed group opening at `start`. */
function skipBalanced(source: string, start: number): number {
  let depth = 0;
  for (let index = start; index < source.length; index++) {
    const char = source[index];
    if (char === "'" || char === '"' || char === '`') index = skipString(source, index) - 1;
    else if (OPEN.includes(char)) depth++;
    else if (CLOSE.includes(char) && --depth === 0) return index + 1;
  }
  throw new Error(`unbalanced brackets from offset ${start}`);
}

/** The source with the detail of every rejection replaced by ''; the count of replacements. */
export function stripRejectionDetails(source: string): { source: string; stripped: number } {
  const edits: { start: number; end: number }[] = [];
  for (const match of source.matchAll(CALLS)) {
    const open = (match.index as number) + match[0].length - 1;
    // `function reject(code, detail)` declares the helper: not a call.
    if (/function\s*$/.test(source.slice(Math.max(0, open - 20 - match[1].length), match.index))) continue;
    const close = skipBalanced(source, open) - 1;
    // The top-level comma between the code and the detail.
    let comma = -1;
    for (let index = open + 1; index < close && comma < 0; index++) {
      const char = source[index];
      if (char === "'" || char === '"' || char === '`') index = skipString(source, index) - 1;
      else if (OPEN.includes(char)) index = skipBalanced(source, index) - 1;
      else if (char === ',') comma = index;
    }
    if (comma < 0) continue;
    const detail = source.slice(comma + 1, close).trim();
    if (detail === "''" || detail === '') continue;
    edits.push({ start: comma + 1, end: close });
  }
  let out = source;
  for (const edit of edits.reverse()) out = out.slice(0, edit.start) + " ''" + out.slice(edit.end);
  return { source: out, stripped: edits.length };
}
