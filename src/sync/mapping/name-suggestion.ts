// "Did you mean …?" for misspelt function and field names: the closest known name by edit distance.

function distance(a: string, b: string): number {
  // Two-row Levenshtein; names are short, so the quadratic cost is a few hundred steps.
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? Math.max(a.length, b.length);
}

/**
 * The known name closest to `input` (case-insensitively), when it is close enough to be a typo:
 * at most two edits, and fewer than half the input's length. Undefined otherwise.
 */
export function suggestName(input: string, known: Iterable<string>): string | undefined {
  const lower = input.toLowerCase();
  if (lower.length > 64) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const d = distance(lower, name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return bestDistance <= 2 && bestDistance * 2 < lower.length ? best : undefined;
}
