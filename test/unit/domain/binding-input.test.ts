import type { BindingSpec } from '../../../src/domain/binding';
import {
  type BindingFormInput,
  diffSpecs,
  fieldsFromSpec,
  specFromFields,
  validateBindingInput,
} from '../../../src/domain/binding-input';

const valid: BindingFormInput = {
  name: 'acme-us',
  trunkDomain: 'acme.pstn.sinch.com',
  dids: '+1 (415) 555-0100\n+14155550101',
  callerId: '+1 415 555 0100',
  authKind: 'acl',
  digestUsername: '',
  digestPassword: '',
  transport: 'udp',
  livekitSipHost: 'sip.example.com',
  dispatchKind: 'individual',
  roomPrefix: '',
  roomName: '',
  agentName: '',
  reportChannel: 'C0123ABCD',
};

const spec: BindingSpec = {
  name: 'acme-us',
  trunkDomain: 'acme.pstn.sinch.com',
  dids: ['+14155550100', '+14155550101'],
  callerId: '+14155550100',
  auth: { kind: 'acl' },
  transport: 'udp',
  livekitSipHost: 'sip.example.com',
  dispatch: { kind: 'individual', roomPrefix: 'est-inbound-' },
  reportChannel: 'C0123ABCD',
};

function errorsOf(input: BindingFormInput, existing?: BindingSpec) {
  const r = specFromFields(input, existing ? { existing } : {});
  if (r.ok) throw new Error(`expected errors, got ${JSON.stringify(r.spec)}`);
  return r.errors;
}

describe('specFromFields: valid input', () => {
  it('builds the spec, normalizing numbers and defaulting the room prefix', () => {
    expect(specFromFields(valid)).toEqual({ ok: true, spec });
    expect(validateBindingInput).toBe(specFromFields);
  });

  it('trims, lower-cases hosts and choices, reads null as empty', () => {
    const r = specFromFields({
      ...valid,
      name: ' acme-us ',
      trunkDomain: 'ACME.pstn.sinch.com.',
      transport: 'TLS',
      authKind: 'ACL',
      dispatchKind: 'Individual',
      livekitSipHost: '203.0.113.10',
      agentName: null,
      roomPrefix: null,
      reportChannel: '<#C0123ABCD|ops>',
    });
    expect(r).toEqual({ ok: true, spec: { ...spec, transport: 'tls', livekitSipHost: '203.0.113.10' } });
  });

  it('digest, direct and callee dispatch, agent name', () => {
    expect(
      specFromFields({
        ...valid,
        authKind: 'digest',
        digestUsername: 'acme',
        digestPassword: ' s3cret ',
        dispatchKind: 'direct',
        roomName: 'support',
        agentName: 'inbound-agent',
      }),
    ).toEqual({
      ok: true,
      spec: {
        ...spec,
        auth: { kind: 'digest', username: 'acme', password: ' s3cret ' },
        dispatch: { kind: 'direct', roomName: 'support' },
        agentName: 'inbound-agent',
      },
    });
    expect(specFromFields({ ...valid, dispatchKind: 'callee', roomPrefix: 'line' })).toEqual({
      ok: true,
      spec: { ...spec, dispatch: { kind: 'callee', roomPrefix: 'line' } },
    });
    expect(specFromFields({ ...valid, dispatchKind: 'callee' })).toEqual({
      ok: true,
      spec: { ...spec, dispatch: { kind: 'callee', roomPrefix: '' } },
    });
  });

  it('accepts exactly 50 DIDs', () => {
    const dids = Array.from({ length: 50 }, (_, i) => `+1415555${String(i).padStart(4, '0')}`).join(',');
    const r = specFromFields({ ...valid, dids });
    expect(r.ok && r.spec.dids.length).toBe(50);
  });
});

describe('specFromFields: one message per bad field', () => {
  it.each<[keyof BindingFormInput, string | null, string]>([
    [
      'name',
      'Acme',
      'Use 3–40 lowercase letters, digits and hyphens, starting and ending with a letter or digit, e.g. acme-us.',
    ],
    [
      'name',
      'ab',
      'Use 3–40 lowercase letters, digits and hyphens, starting and ending with a letter or digit, e.g. acme-us.',
    ],
    [
      'name',
      'acme-',
      'Use 3–40 lowercase letters, digits and hyphens, starting and ending with a letter or digit, e.g. acme-us.',
    ],
    [
      'name',
      'a'.repeat(41),
      'Use 3–40 lowercase letters, digits and hyphens, starting and ending with a letter or digit, e.g. acme-us.',
    ],
    ['trunkDomain', '', 'Enter the EST trunk domain only, without sip: or a port, e.g. acme.pstn.sinch.com.'],
    [
      'trunkDomain',
      'sip:acme.pstn.sinch.com',
      'Leave out sip: or https://; enter just the host, e.g. acme.pstn.sinch.com.',
    ],
    [
      'trunkDomain',
      'https://acme.pstn.sinch.com',
      'Leave out sip: or https://; enter just the host, e.g. acme.pstn.sinch.com.',
    ],
    ['trunkDomain', 'acme.pstn.sinch.com:5060', 'Leave out the port; enter just the host, e.g. acme.pstn.sinch.com.'],
    [
      'trunkDomain',
      'user@acme.pstn.sinch.com',
      'Leave out the user part before @; enter just the host, e.g. acme.pstn.sinch.com.',
    ],
    ['trunkDomain', 'acme', 'Enter a full domain name with at least one dot, e.g. acme.pstn.sinch.com.'],
    [
      'trunkDomain',
      'ac_me.pstn.sinch.com',
      'Use only letters, digits, inner hyphens and dots in the host name, e.g. acme.pstn.sinch.com.',
    ],
    [
      'trunkDomain',
      '-acme.pstn.sinch.com',
      'Use only letters, digits, inner hyphens and dots in the host name, e.g. acme.pstn.sinch.com.',
    ],
    [
      'trunkDomain',
      'acme..sinch.com',
      'Use only letters, digits, inner hyphens and dots in the host name, e.g. acme.pstn.sinch.com.',
    ],
    ['trunkDomain', '203.0.113.10', "Enter the trunk's domain name, not an IP address, e.g. acme.pstn.sinch.com."],
    ['livekitSipHost', '203.0.113.10:5060', 'Leave out the port; enter just the host, e.g. sip.example.com.'],
    ['livekitSipHost', '203.0.113.256', 'That is not a valid IPv4 address; use four numbers 0-255, e.g. 203.0.113.10.'],
    ['livekitSipHost', 'sip', 'Enter a full domain name with at least one dot, e.g. sip.example.com.'],
    ['dids', '', 'Enter at least one DID in E.164, e.g. +14155550100.'],
    ['dids', ' ,\n', 'Enter at least one DID in E.164, e.g. +14155550100.'],
    [
      'dids',
      '+14155550100, 4155550101',
      '"4155550101" has no country code; add the country code with a leading + (E.164), e.g. +14155550100.',
    ],
    ['dids', 'abc, +1', '"abc" has characters that are not digits; use E.164, e.g. +14155550100 (and 1 more).'],
    ['callerId', '', 'Enter the caller ID in E.164, e.g. +14155550100.'],
    [
      'callerId',
      '4155550100',
      '"4155550100" has no country code; add the country code with a leading + (E.164), e.g. +14155550100.',
    ],
    ['authKind', 'password', 'Choose ACL (IP allow-list) or digest authentication.'],
    ['transport', 'wss', 'Choose UDP, TCP or TLS.'],
    ['transport', null, 'Choose UDP, TCP or TLS.'],
    [
      'dispatchKind',
      'round-robin',
      'Choose individual (a room per call), direct (one fixed room) or callee (a room per number).',
    ],
    ['roomPrefix', 'est inbound', 'Use at most 64 letters, digits, _ or -, e.g. est-inbound-.'],
    ['roomPrefix', 'x'.repeat(65), 'Use at most 64 letters, digits, _ or -, e.g. est-inbound-.'],
    ['agentName', 'my agent', 'Use 1–64 letters, digits, _, . or -, or leave it empty.'],
    ['reportChannel', '#ops', 'Pick a Slack channel (an ID such as C0123ABCD).'],
    ['reportChannel', 'U0123ABCD', 'Pick a Slack channel (an ID such as C0123ABCD).'],
  ])('%s = %j', (field, value, message) => {
    expect(errorsOf({ ...valid, [field]: value })).toEqual({ [field]: message });
  });

  it('rejects 51 DIDs', () => {
    const dids = Array.from({ length: 51 }, (_, i) => `+1415555${String(i).padStart(4, '0')}`).join('\n');
    expect(errorsOf({ ...valid, dids })).toEqual({ dids: 'A binding can have at most 50 DIDs; you entered 51.' });
  });

  it('reports every bad field at once, including choice-dependent ones', () => {
    expect(
      errorsOf({
        ...valid,
        name: 'X',
        callerId: '',
        authKind: 'digest',
        digestUsername: '',
        dispatchKind: 'direct',
        roomName: '',
      }),
    ).toEqual({
      name: 'Use 3–40 lowercase letters, digits and hyphens, starting and ending with a letter or digit, e.g. acme-us.',
      callerId: 'Enter the caller ID in E.164, e.g. +14155550100.',
      digestUsername: 'Digest auth needs the username of the EST credential list (no spaces, at most 128 characters).',
      digestPassword: 'Digest auth needs the password of the EST credential list.',
      roomName: 'A direct dispatch needs a room name of 1–128 letters, digits, _, . or -.',
    });
  });

  it('an empty object names every required field', () => {
    expect(Object.keys(errorsOf({})).sort()).toEqual(
      [
        'authKind',
        'callerId',
        'dids',
        'dispatchKind',
        'livekitSipHost',
        'name',
        'reportChannel',
        'transport',
        'trunkDomain',
      ].sort(),
    );
  });
});

describe('specFromFields: digest password when editing', () => {
  const stored: BindingSpec = { ...spec, auth: { kind: 'digest', username: 'acme', password: 'old-secret' } };
  const digestInput = { ...valid, authKind: 'digest', digestUsername: 'acme2', digestPassword: '' };

  it('an empty password keeps the stored one', () => {
    expect(specFromFields(digestInput, { existing: stored })).toEqual({
      ok: true,
      spec: { ...spec, auth: { kind: 'digest', username: 'acme2', password: 'old-secret' } },
    });
  });

  it('a new password replaces it', () => {
    const r = specFromFields({ ...digestInput, digestPassword: 'new' }, { existing: stored });
    expect(r.ok && r.spec.auth).toEqual({ kind: 'digest', username: 'acme2', password: 'new' });
  });

  it('an empty password is required when creating, or when the stored binding used ACL', () => {
    expect(errorsOf(digestInput)).toEqual({
      digestPassword: 'Digest auth needs the password of the EST credential list.',
    });
    expect(errorsOf(digestInput, spec)).toEqual({
      digestPassword: 'Digest auth needs the password of the EST credential list.',
    });
  });

  it('switching to ACL drops the credentials', () => {
    expect(specFromFields({ ...valid, digestUsername: 'x' }, { existing: stored })).toEqual({ ok: true, spec });
  });
});

describe('fieldsFromSpec', () => {
  it('round-trips and never returns the password', () => {
    const digest: BindingSpec = {
      ...spec,
      auth: { kind: 'digest', username: 'acme', password: 'secret' },
      dispatch: { kind: 'direct', roomName: 'support' },
      agentName: 'bot',
    };
    const fields = fieldsFromSpec(digest);
    expect(fields).toEqual({
      name: 'acme-us',
      trunkDomain: 'acme.pstn.sinch.com',
      dids: '+14155550100\n+14155550101',
      callerId: '+14155550100',
      authKind: 'digest',
      digestUsername: 'acme',
      digestPassword: '',
      transport: 'udp',
      livekitSipHost: 'sip.example.com',
      dispatchKind: 'direct',
      roomPrefix: '',
      roomName: 'support',
      agentName: 'bot',
      reportChannel: 'C0123ABCD',
      estSide: '',
    });
    expect(specFromFields(fields, { existing: digest })).toEqual({ ok: true, spec: digest });
  });
});

describe('diffSpecs', () => {
  it('no change, no rows; DID order does not matter', () => {
    expect(diffSpecs(spec, { ...spec, dids: ['+14155550101', '+14155550100'] })).toEqual([]);
  });

  it('lists changed fields in order, rendered for people', () => {
    const after: BindingSpec = {
      ...spec,
      dids: ['+14155550100'],
      transport: 'tls',
      dispatch: { kind: 'callee', roomPrefix: 'line' },
      agentName: 'bot',
    };
    expect(diffSpecs(spec, after)).toEqual([
      { field: 'dids', before: '+14155550100, +14155550101', after: '+14155550100' },
      { field: 'transport', before: 'udp', after: 'tls' },
      { field: 'dispatch', before: 'individual, room prefix "est-inbound-"', after: 'callee, room prefix "line"' },
      { field: 'agentName', before: '(none)', after: 'bot' },
    ]);
  });

  it('shows password changes as "changed", never the value', () => {
    const d1: BindingSpec = { ...spec, auth: { kind: 'digest', username: 'acme', password: 'one' } };
    const d2: BindingSpec = { ...spec, auth: { kind: 'digest', username: 'acme', password: 'two' } };
    expect(diffSpecs(d1, d2)).toEqual([
      { field: 'auth', before: 'digest, username "acme"', after: 'digest, username "acme", password changed' },
    ]);
    expect(diffSpecs(spec, d1)).toEqual([
      { field: 'auth', before: 'ACL (IP allow-list)', after: 'digest, username "acme", password changed' },
    ]);
    expect(diffSpecs(d1, spec)).toEqual([
      { field: 'auth', before: 'digest, username "acme"', after: 'ACL (IP allow-list)' },
    ]);
    expect(diffSpecs(d1, { ...d1 })).toEqual([]);
    const all = JSON.stringify([diffSpecs(d1, d2), diffSpecs(spec, d1)]);
    expect(all).not.toMatch(/one|two/);
  });
});
