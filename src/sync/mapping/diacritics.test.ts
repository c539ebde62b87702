// NormalizeDiacritics on real names, decomposed input, other scripts and its own table.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIACRITIC_REPLACEMENTS, normalizeDiacritics } from './diacritics.ts';
import { personWith, valueOf } from './testing/people.ts';

void describe('NormalizeDiacritics', () => {
  void test('spells real names in plain Latin letters', () => {
    const cases: [string, string][] = [
      ['Jürgen Groß', 'Jurgen Gross'],
      ['Søren Kierkegaard', 'Soren Kierkegaard'],
      ['Łukasz Żółć', 'Lukasz Zolc'],
      ['François', 'Francois'],
      ['Åsa', 'Asa'],
      ['Zoë', 'Zoe'],
      ['Ærøskøbing', 'AEroskobing'],
      ['Þórður Guðjónsson', 'THordur Gudjonsson'],
      ['Đorđe Balašević', 'Dorde Balasevic'],
      ['Œdipe', 'OEdipe'],
      ['İlkay Gündoğan', 'Ilkay Gundogan'],
      ['Nguyễn Thị Minh Khai', 'Nguyen Thi Minh Khai'],
    ];
    for (const [name, plain] of cases) assert.equal(normalizeDiacritics(name), plain, name);
  });

  void test('gives the same result for composed and decomposed input', () => {
    assert.equal(normalizeDiacritics('Zoe\u0308'), 'Zoe');
    assert.equal(normalizeDiacritics('Zo\u00eb'), 'Zoe');
  });

  void test('leaves other scripts whole, Hangul and Devanagari included', () => {
    for (const text of ['김민준', 'Дмитрий', 'हिन्दी', '山田太郎', 'שָׁלוֹם'.normalize('NFC')]) {
      assert.equal(normalizeDiacritics(text), text.normalize('NFC'), text);
    }
  });

  void test('spells out every letter of its table', () => {
    for (const [letter, spelling] of Object.entries(DIACRITIC_REPLACEMENTS)) {
      assert.equal(normalizeDiacritics(letter), spelling, letter);
      assert.match(spelling, /^[A-Za-z]+$/);
    }
  });

  void test('works as a function in expressions, for a usable userName', () => {
    const person = personWith({ firstName: 'Łukasz', lastName: 'Żółć' });
    assert.equal(
      valueOf(
        'ToLower(Join(".", NormalizeDiacritics([firstName]), NormalizeDiacritics([lastName])))',
        person,
      ),
      'lukasz.zolc',
    );
    assert.equal(valueOf('NormalizeDiacritics([firstName])', personWith({ firstName: null })), null);
    assert.equal(
      valueOf('NormalizeDiacritics([firstName])', personWith({ firstName: undefined })),
      undefined,
    );
  });
});
