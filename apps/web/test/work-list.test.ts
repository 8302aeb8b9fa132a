import { describe, expect, it } from 'vitest';
import { readWorkList } from '../src/work-list.js';

describe('work lists', () => {
  it('reads a text list, one id a line, and reports lines it cannot read by number', () => {
    const list = readWorkList('USRC17607839\r\n\r\nhttps://example.com/a\nnot an id\n', 'works.txt');
    expect(list.works).toEqual([{ ids: ['isrc:USRC17607839'] }, { ids: ['url:https://example.com/a'] }]);
    expect(list.problems).toEqual([expect.stringContaining('Line 4')]);
  });

  it('reads a CSV with a header, several ids a row, quoted cells and a title column', () => {
    const csv =
      'isrc,url,title\nUSRC17607839,https://example.com/a,"Night, Drive"\nGBAYE2600123,,"Say ""hi"""\n';
    const list = readWorkList(csv, 'catalog.CSV');
    expect(list.works).toEqual([
      { ids: ['isrc:USRC17607839', 'url:https://example.com/a'], title: 'Night, Drive' },
      { ids: ['isrc:GBAYE2600123'], title: 'Say "hi"' },
    ]);
    expect(list.problems).toEqual([]);
    const bad = readWorkList('USRC17607839,USRC1760783X\n', 'x.csv');
    expect(bad.works).toEqual([]);
    expect(bad.problems[0]).toContain('USRC1760783X');
  });
});
