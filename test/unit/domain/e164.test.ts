import { normalizeNumber, parseE164, parseNumberList } from '../../../src/domain/e164';

describe('normalizeNumber (LiveKit NormalizeNumber)', () => {
  it.each([
    ['+15550100', '+15550100'],
    ['15550100', '+15550100'],
    ['+1 (555) 0100', '+15550100'],
    ['1-555-0100', '+15550100'],
    ['(555) 0100', '+5550100'],
    ['', ''],
    ['alice', 'alice'],
    ['+1.555.0100', '+1.555.0100'], // dots are not in LiveKit's pattern: unchanged
    ['+1555+0100', '+1555+0100'],
    ['sip:+15550100', 'sip:+15550100'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeNumber(input)).toBe(expected);
  });
});

describe('parseE164', () => {
  it.each([
    ['+14155550100', '+14155550100'],
    ['+1 (415) 555-0100', '+14155550100'],
    ['+44 20 7946 0958', '+442079460958'],
    ['+44 (0)20 7946 0958', '+442079460958'],
    ['0041 44 668 18 00', '+41446681800'],
    ['tel:+14155550100', '+14155550100'],
    ['TEL:+1-415-555-0100;phone-context=example.com', '+14155550100'],
    ['  +1.415.555.0100  ', '+14155550100'],
    ['+4930123456', '+4930123456'],
    ['+290 22158', '+29022158'], // 8 digits (Saint Helena): the shortest E.164 allows
    ['+49 211 1234567890', '+492111234567890'], // 15 digits (Germany): the longest
  ])('accepts %j as %j', (input, expected) => {
    expect(parseE164(input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['', 'Enter a phone number in E.164 format, e.g. +14155550100.'],
    [
      '4155550100',
      '"4155550100" has no country code; add the country code with a leading + (E.164), e.g. +14155550100.',
    ],
    [
      '(415) 555-0100',
      '"(415) 555-0100" has no country code; add the country code with a leading + (E.164), e.g. +14155550100.',
    ],
    ['+1415555010x', '"+1415555010x" has characters that are not digits; use E.164, e.g. +14155550100.'],
    [
      '+1 415 555 0100 ext 2',
      '"+1 415 555 0100 ext 2" has characters that are not digits; use E.164, e.g. +14155550100.',
    ],
    ['++14155550100', '"++14155550100" has characters that are not digits; use E.164, e.g. +14155550100.'],
    ['+0415555010', '"+0415555010" must start with a country code (1-9) after the +, e.g. +14155550100.'],
    ['+1234567', '"+1234567" is too short: E.164 has 8 to 15 digits after the +, e.g. +14155550100.'],
    ['+1234567890123456', '"+1234567890123456" is too long: E.164 has 8 to 15 digits after the +, e.g. +14155550100.'],
    ['+', '"+" has no digits; enter a number in E.164, e.g. +14155550100.'],
    ['00 ()', '"00 ()" has no digits; enter a number in E.164, e.g. +14155550100.'],
    [
      'sip:+14155550100@acme.pstn.sinch.com',
      '"sip:+14155550100@acme.pstn.sinch.com" is a SIP address; enter just the phone number in E.164, e.g. +14155550100.',
    ],
  ])('rejects %j', (input, error) => {
    expect(parseE164(input)).toEqual({ ok: false, error });
  });

  // Numbers that look like E.164 but cannot exist, by libphonenumber's full metadata.
  it.each([
    ['+1 415 555 010', '"+1 415 555 010" is too short for a number with country code +1, e.g. +14155550100.'],
    ['+1 (415) 555-01000', '"+1 (415) 555-01000" is too long for a number with country code +1, e.g. +14155550100.'],
    ['+141501144770090', '"+141501144770090" is too long for a number with country code +1, e.g. +14155550100.'],
    [
      '+999 1234 5678',
      '"+999 1234 5678" does not start with a country calling code that exists; check the digits after the +, e.g. +14155550100.',
    ],
    ['+12345678', '"+12345678" is too short for a number with country code +1, e.g. +14155550100.'],
    ['+1 415 055 0100', '"+1 415 055 0100" is not a valid phone number for country code +1, e.g. +14155550100.'],
  ])('rejects the impossible number %j', (input, error) => {
    expect(parseE164(input)).toEqual({ ok: false, error });
  });

  it("keeps LiveKit's normalization separate: it still compares numbers the way LiveKit does", () => {
    expect(normalizeNumber('+1 415 555 010')).toBe('+1415555010');
  });
});

describe('parseNumberList', () => {
  it('splits on commas, semicolons and newlines, keeping spaces inside a number', () => {
    expect(parseNumberList('+1 (415) 555-0100, +44 20 7946 0958;\n0041 44 668 18 00\r\n')).toEqual({
      values: ['+14155550100', '+442079460958', '+41446681800'],
      errors: [],
    });
  });

  it('dedupes after normalization, keeping first-seen order', () => {
    expect(parseNumberList('+14155550101\n+1 415 555 0100\n+14155550101, tel:+14155550100')).toEqual({
      values: ['+14155550101', '+14155550100'],
      errors: [],
    });
  });

  it('splits a space-separated chunk at each +', () => {
    expect(parseNumberList('+1 415 555 0100 +1 415 555 0101')).toEqual({
      values: ['+14155550100', '+14155550101'],
      errors: [],
    });
  });

  it('splits a space-separated chunk of 00-prefixed numbers', () => {
    expect(parseNumberList('0041446681800 0041446681801')).toEqual({
      values: ['+41446681800', '+41446681801'],
      errors: [],
    });
  });

  it('keeps valid numbers of a space-separated chunk and reports the others', () => {
    expect(parseNumberList('+14155550100 4155550101')).toEqual({
      values: ['+14155550100'],
      errors: [
        {
          input: '4155550101',
          error: '"4155550101" has no country code; add the country code with a leading + (E.164), e.g. +14155550100.',
        },
      ],
    });
  });

  it('reports each bad item with its own error and ignores empty pieces', () => {
    expect(parseNumberList(',, +14155550100 ,abc,\n\n +1234 ;')).toEqual({
      values: ['+14155550100'],
      errors: [
        { input: 'abc', error: '"abc" has characters that are not digits; use E.164, e.g. +14155550100.' },
        { input: '+1234', error: '"+1234" is too short: E.164 has 8 to 15 digits after the +, e.g. +14155550100.' },
      ],
    });
  });

  it('does not split a tel: URI at its parameters', () => {
    expect(parseNumberList('tel:+14155550100;phone-context=example.com; tel:+14155550101')).toEqual({
      values: ['+14155550100', '+14155550101'],
      errors: [],
    });
  });

  it('returns nothing for empty input', () => {
    expect(parseNumberList('  \n ')).toEqual({ values: [], errors: [] });
  });
});
