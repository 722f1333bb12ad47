import { parseDays, parseExportArgs } from '../../../../src/features/trends/export-calls';
import { windowStartIso } from '../../../../src/store/trends-reader';

describe('/sip-setup export calls arguments', () => {
  it('takes [binding] [days] in either order, days 1 to 90 (default 30)', () => {
    expect(parseExportArgs([])).toEqual({ days: 30 });
    expect(parseExportArgs(['sales-eu'])).toEqual({ days: 30, bindingName: 'sales-eu' });
    expect(parseExportArgs(['Sales-EU', '7'])).toEqual({ days: 7, bindingName: 'sales-eu' });
    expect(parseExportArgs(['90', 'noc'])).toEqual({ days: 90, bindingName: 'noc' });
  });

  it('refuses days out of range, two names, stray words and markup', () => {
    expect(parseExportArgs(['0'])).toEqual({ error: 'days must be 1 to 90' });
    expect(parseExportArgs(['91'])).toEqual({ error: 'days must be 1 to 90' });
    expect(parseExportArgs(['a', 'b'])).toMatchObject({ error: expect.stringContaining('`b` is not a binding name') });
    expect(parseExportArgs(['<!channel>'])).toMatchObject({ error: expect.not.stringContaining('<') });
    expect(parseExportArgs(['a', '1', '2'])).toEqual({ error: 'too many words' });
  });

  it('days from a query string: empty means the default, anything but 1-90 is refused', () => {
    expect(parseDays(null)).toBe(30);
    expect(parseDays('14')).toBe(14);
    for (const bad of ['0', '91', '7.5', '-1', 'x', '0x10']) expect(parseDays(bad)).toBeUndefined();
  });
});

describe('the trend window query start', () => {
  it('starts 14 h before local midnight of the first day, so no zone loses its first morning', () => {
    const now = new Date('2026-12-02T12:00:00Z');
    expect(windowStartIso({ now, days: 7, timeZone: 'UTC' })).toBe('2026-11-25T10:00:00.000Z');
    // Kiritimati (UTC+14): 2026-12-03 already; its first day 11-27 starts at 11-26T10:00Z.
    expect(windowStartIso({ now, days: 7, timeZone: 'Pacific/Kiritimati' })).toBe('2026-11-26T10:00:00.000Z');
  });
});
