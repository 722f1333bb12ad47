/**
 * Phone numbers: LiveKit's own normalization (for matching and conflict checks)
 * and a friendlier E.164 parser for what people type into Slack, which accepts only numbers
 * that can exist (libphonenumber's full metadata: country code, length and number plan).
 */
import { parsePhoneNumberFromString, validatePhoneNumberLength } from 'libphonenumber-js/max';

export type ParseResult = { ok: true; value: string } | { ok: false; error: string };

export const E164_EXAMPLE = '+14155550100';

const LIVEKIT_NUMBER = /^\+?[\d\- ()]+$/;

/**
 * Exactly LiveKit's `livekit.NormalizeNumber` (protocol `livekit/sip.go`): when the value
 * matches `^\+?[\d\- ()]+$`, strip spaces, `-`, `(` and `)` and make sure it starts with `+`;
 * anything else (SIP user names, empty string) is returned unchanged.
 */
export function normalizeNumber(s: string): string {
  if (s === '' || !LIVEKIT_NUMBER.test(s)) return s;
  const stripped = s.replace(/[ \-()]/g, '');
  return stripped.startsWith('+') ? stripped : `+${stripped}`;
}

/** Separators people use inside one number: any whitespace, `-`, `.`, `(`, `)`, `/`. */
const IN_NUMBER_SEPARATORS = /[\s\-.()/]/g;

/**
 * Parses one phone number as typed by a person into strict E.164 (`+` then 8–15 digits,
 * the first 1–9) that is a valid number for its country by libphonenumber's full metadata.
 * Accepts `+1 (415) 555-0100`, `0041 44 668 18 00`, `tel:+14155550100`, `+44 (0)20 7946 0958`;
 * refuses `+1 415 555 010` (too short for +1), `+141501144770090` (too long), `+999 1234 5678`
 * (no such country code). Errors are one sentence naming the problem and showing an example.
 */
export function parseE164(input: string): ParseResult {
  const raw = input.trim();
  if (raw === '') return fail(`Enter a phone number in E.164 format, e.g. ${E164_EXAMPLE}.`);
  let s = raw;
  if (/^tel:/i.test(s)) s = s.slice(4).split(';')[0]!.trim();
  if (/^sips?:/i.test(s) || s.includes('@')) {
    return fail(`"${raw}" is a SIP address; enter just the phone number in E.164, e.g. ${E164_EXAMPLE}.`);
  }
  let hasCountryCode = false;
  if (s.startsWith('+')) {
    hasCountryCode = true;
    s = s.slice(1);
  } else if (s.startsWith('00')) {
    hasCountryCode = true;
    s = s.slice(2);
  }
  // The national trunk prefix written as "(0)" after the country code: +44 (0)20 … → +4420 …
  if (hasCountryCode) s = s.replace(/^([\s\-.]*\d{1,3}[\s\-.]*)\(0\)/, '$1');
  const digits = s.replace(IN_NUMBER_SEPARATORS, '');
  if (digits === '') return fail(`"${raw}" has no digits; enter a number in E.164, e.g. ${E164_EXAMPLE}.`);
  if (!/^\d+$/.test(digits)) {
    return fail(`"${raw}" has characters that are not digits; use E.164, e.g. ${E164_EXAMPLE}.`);
  }
  if (!hasCountryCode) {
    return fail(`"${raw}" has no country code; add the country code with a leading + (E.164), e.g. ${E164_EXAMPLE}.`);
  }
  if (digits.startsWith('0')) {
    return fail(`"${raw}" must start with a country code (1-9) after the +, e.g. ${E164_EXAMPLE}.`);
  }
  if (digits.length < 8) {
    return fail(`"${raw}" is too short: E.164 has 8 to 15 digits after the +, e.g. ${E164_EXAMPLE}.`);
  }
  if (digits.length > 15) {
    return fail(`"${raw}" is too long: E.164 has 8 to 15 digits after the +, e.g. ${E164_EXAMPLE}.`);
  }
  return checkNumberPlan(raw, `+${digits}`);
}

/** Whether an E.164 string is a number its country's numbering plan has (libphonenumber, full metadata). */
function checkNumberPlan(raw: string, e164: string): ParseResult {
  const length = validatePhoneNumberLength(e164);
  if (length === 'INVALID_COUNTRY') {
    return fail(
      `"${raw}" does not start with a country calling code that exists; check the digits after the +, e.g. ${E164_EXAMPLE}.`,
    );
  }
  const parsed = parsePhoneNumberFromString(e164);
  const cc = parsed ? `+${parsed.countryCallingCode}` : 'its country code';
  if (length === 'TOO_SHORT' || length === 'TOO_LONG' || length === 'INVALID_LENGTH') {
    const what = length === 'TOO_SHORT' ? 'too short' : length === 'TOO_LONG' ? 'too long' : 'the wrong length';
    return fail(`"${raw}" is ${what} for a number with country code ${cc}, e.g. ${E164_EXAMPLE}.`);
  }
  if (!parsed?.isValid())
    return fail(`"${raw}" is not a valid phone number for country code ${cc}, e.g. ${E164_EXAMPLE}.`);
  return { ok: true, value: parsed.number };
}

export interface NumberListResult {
  /** Valid numbers in E.164, first occurrence order, duplicates (after normalization) removed. */
  values: string[];
  /** One entry per piece of input that is not a number. */
  errors: Array<{ input: string; error: string }>;
}

/**
 * Parses a list of numbers. Commas, semicolons and newlines always separate numbers;
 * inside one such chunk, spaces are kept as part of a number (`+1 (415) 555-0100`) unless
 * the chunk holds several numbers: a new number starts at whitespace followed by `+`/`tel:`,
 * and a chunk that is not one number but has space-separated tokens that are full numbers
 * on their own is treated as a space-separated list (the other tokens are reported).
 */
export function parseNumberList(input: string): NumberListResult {
  const values: string[] = [];
  const seen = new Set<string>();
  const errors: NumberListResult['errors'] = [];
  const add = (v: string): void => {
    if (!seen.has(v)) {
      seen.add(v);
      values.push(v);
    }
  };
  // A `;` followed by `name=` is a tel: URI parameter, not a separator.
  for (const chunk of input.split(/[,\r\n]+|;(?![a-z-]+=)/i)) {
    const trimmed = chunk.trim();
    if (trimmed === '') continue;
    for (const piece of trimmed.split(/\s+(?=\+|tel:)/i)) {
      const whole = parseE164(piece);
      if (whole.ok) {
        add(whole.value);
        continue;
      }
      // Not one number: if some space-separated tokens are full numbers on their own,
      // the chunk was a space-separated list; keep those and report the others.
      const tokens = piece.split(/\s+/);
      const parsed = tokens.map((t) => ({ token: t, result: parseE164(t) }));
      if (tokens.length > 1 && parsed.some((p) => p.result.ok)) {
        for (const { token, result } of parsed) {
          if (result.ok) add(result.value);
          else errors.push({ input: token, error: result.error });
        }
      } else {
        errors.push({ input: piece, error: whole.error });
      }
    }
  }
  return { values, errors };
}

function fail(error: string): ParseResult {
  return { ok: false, error };
}
