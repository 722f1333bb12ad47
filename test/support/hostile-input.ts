import fc from 'fast-check';

/** Strings people (or attackers) type: mrkdwn control sequences, unicode, numbers in odd formats. */
export const nasty = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '<!channel>',
    '<!here|here>',
    '<@U0ADMIN>',
    '<http://evil.example|click me>',
    '*bold* _it_ `code`',
    '&amp;&lt;',
    '\u0000\u202e',
    '',
  ),
  fc.constantFrom(
    '+1 (415) 555-0100',
    '0044 20 7123 4567',
    '+999',
    'acme.pstn.sinch.com',
    'sip:acme:5060',
    'est-inbound-',
    'C0123ABCD',
  ),
);

/** A valid value most of the time, so some submissions get through and are applied. */
export const mostly = (valid: fc.Arbitrary<string>) =>
  fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: nasty, weight: 1 });

/** What must never appear live in anything posted to Slack. */
export const LIVE_MARKUP = /<!(channel|here|everyone)[|>]|<@U0ADMIN>|<http:\/\/evil\.example/;
