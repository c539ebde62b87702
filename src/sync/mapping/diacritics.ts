// NormalizeDiacritics: Latin letters with diacritics to their base letters (é→e, ä→a), and the Latin
// letters Unicode does not decompose to their usual ASCII spelling (ß→ss, ø→o, ł→l, Æ→AE).

/**
 * Letters that canonical decomposition leaves alone, with the spelling used instead. Upper-case
 * letters that become two letters are written in capitals (Æ→AE), as in "AEROE"; use PCase
 * afterwards for title case. The table is documented in docs/sync-mapping.md.
 */
export const DIACRITIC_REPLACEMENTS: Readonly<Record<string, string>> = Object.freeze({
  ß: 'ss',
  ẞ: 'SS',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'TH',
  ħ: 'h',
  Ħ: 'H',
  ı: 'i',
  ĸ: 'k',
  ŀ: 'l',
  Ŀ: 'L',
  ŉ: 'n',
  ŋ: 'n',
  Ŋ: 'N',
  ŧ: 't',
  Ŧ: 'T',
  ĳ: 'ij',
  Ĳ: 'IJ',
  ſ: 's',
  ƒ: 'f',
});

const SPECIAL = new RegExp(`[${Object.keys(DIACRITIC_REPLACEMENTS).join('')}]`, 'gu');
// The combining-mark blocks diacritics decompose into. Only marks on Latin letters are dropped: on
// other scripts they are parts of letters (Cyrillic й is и with a breve; Devanagari vowel signs).
const DIACRITIC_BLOCKS: readonly (readonly [number, number])[] = [
  [0x0300, 0x036f],
  [0x1ab0, 0x1aff],
  [0x1dc0, 0x1dff],
  [0x20d0, 0x20ff],
  [0xfe20, 0xfe2f],
];

function isDiacritic(mark: string): boolean {
  const code = mark.codePointAt(0) ?? 0;
  return DIACRITIC_BLOCKS.some(([from, to]) => code >= from && code <= to);
}

function dropDiacritics(_: string, letter: string, marks: string): string {
  return (
    letter +
    Array.from(marks)
      .filter((mark) => !isDiacritic(mark))
      .join('')
  );
}

/**
 * Removes diacritics: canonical decomposition (NFD), the accents on Latin letters dropped, the letters in
 * {@link DIACRITIC_REPLACEMENTS} spelt out, and the rest recomposed (NFC) so that scripts NFD
 * splits for other reasons (Hangul) come back whole. `Jürgen Groß` → `Jurgen Gross`.
 */
export function normalizeDiacritics(text: string): string {
  return text
    .normalize('NFD')
    .replace(/(\p{Script=Latin})(\p{Mn}+)/gu, dropDiacritics)
    .replace(SPECIAL, (letter) => DIACRITIC_REPLACEMENTS[letter] ?? letter)
    .normalize('NFC');
}
