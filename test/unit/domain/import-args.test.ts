import type { BindingSpec } from '../../../src/domain/binding';
import { IMPORT_USAGE, importedSpecErrors, parseImportArgs } from '../../../src/domain/import-args';
import { bindingSpec } from '../../support/fixtures';

const defaults = { channel: 'COPS0001', host: 'LiveKit.Example.com' };
const ids = ['inbound=ST_in1', 'rule=SDR_r1', 'outbound=ST_out1'];

describe('parseImportArgs', () => {
  it('est-trunk=: an EST trunk ID or host name as typed; a domain passes the trunk-domain check and stands for its first label', () => {
    const est = (v: string) => parseImportArgs(['acme-us', ...ids, `est-trunk=${v}`], defaults);
    expect(est('01HQ3Z9-trunk_id')).toMatchObject({ ok: true, value: { estTrunk: '01HQ3Z9-trunk_id' } });
    expect(est('acme')).toMatchObject({ ok: true, value: { estTrunk: 'acme' } });
    expect(est('ACME.pstn.sinch.com')).toMatchObject({ ok: true, value: { estTrunk: 'acme' } });
    expect(parseImportArgs(['acme-us', ...ids], defaults)).toMatchObject({
      ok: true,
      value: expect.not.objectContaining({ estTrunk: expect.anything() }),
    });
    for (const bad of [
      '<!here>',
      '-acme',
      'sip:acme.pstn.sinch.com',
      'acme.pstn.sinch.com:5060',
      'a'.repeat(129),
      'a b',
      '*',
    ]) {
      const r = est(bad);
      expect(r).toMatchObject({ ok: false });
      if (!r.ok) expect(r.error).toContain('`est-trunk=` takes the EST trunk ID');
    }
    expect(IMPORT_USAGE).toContain('[est-trunk=<EST trunk ID or host name>]');
  });

  it('reads the name and the three IDs; host and channel default to the LiveKit host (lower-cased) and the channel typed in', () => {
    expect(parseImportArgs(['Acme-US', ...ids], defaults)).toEqual({
      ok: true,
      value: {
        name: 'acme-us',
        inboundTrunkId: 'ST_in1',
        dispatchRuleId: 'SDR_r1',
        outboundTrunkId: 'ST_out1',
        livekitSipHost: 'livekit.example.com',
        reportChannel: 'COPS0001',
      },
    });
  });

  it('takes keys in any order and case; the last of a repeated key wins; other words are ignored', () => {
    const r = parseImportArgs(
      ['acme-us', 'OUTBOUND=ST_o', 'junk', 'rule=SDR_x', 'rule=SDR_y', 'Inbound=ST_i'],
      defaults,
    );
    expect(r).toMatchObject({
      ok: true,
      value: { inboundTrunkId: 'ST_i', dispatchRuleId: 'SDR_y', outboundTrunkId: 'ST_o' },
    });
  });

  it('a typed host and a channel mention are validated and normalized like the form', () => {
    const r = parseImportArgs(['acme-us', ...ids, 'host=SIP.Acme.Example.', 'channel=<#CREPORT01|reports>'], defaults);
    expect(r).toMatchObject({ ok: true, value: { livekitSipHost: 'sip.acme.example', reportChannel: 'CREPORT01' } });
    expect(parseImportArgs(['acme-us', ...ids, 'host=203.0.113.7'], defaults)).toMatchObject({
      ok: true,
      value: { livekitSipHost: '203.0.113.7' },
    });
  });

  it.each([
    [[], 'nothing'],
    [['acme-us'], 'no IDs'],
    [['acme-us', 'inbound=ST_a', 'rule=SDR_b'], 'no outbound'],
    [['ab', ...ids], 'a name too short'],
    [['-acme', ...ids], 'a name starting with a hyphen'],
    [['acme_us', ...ids], 'an underscore in the name'],
  ])('refuses %j (%s) with the usage', (argv) => {
    const r = parseImportArgs(argv, defaults);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(IMPORT_USAGE);
  });

  it.each([
    ['host=127.0.0.1;transport=tcp', /^`host=`: /],
    ['host=sip:acme.example', /^`host=`: Leave out sip:/],
    ['host=acme.example:5060', /^`host=`: Leave out the port/],
    ['host=localhost', /^`host=`: Enter a full domain name/],
    ['host=<!channel>', /^`host=`: /],
    ['channel=<!channel>', /^`channel=`: Pick a Slack channel/],
    ['channel=#general', /^`channel=`: Pick a Slack channel/],
    ['channel=<@U0ADMIN>', /^`channel=`: /],
  ])('refuses %s with the form’s sentence', (arg, message) => {
    const r = parseImportArgs(['acme-us', ...ids, arg], defaults);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(message);
      expect(r.error).not.toMatch(/<!channel>|<@U0ADMIN>/);
    }
  });

  it.each(['inbound=<!here>', 'rule=<http://x|y>', 'outbound=ST_1;drop', 'inbound=ST_é'])(
    'refuses the resource ID in %s',
    (arg) => {
      const r = parseImportArgs(['acme-us', ...ids, arg], defaults);
      expect(r).toMatchObject({ ok: false, error: expect.stringMatching(/takes a LiveKit ID/) });
    },
  );
});

describe('importedSpecErrors', () => {
  it('a spec the form would accept has none; an empty digest password (LiveKit never returns it) is fine', () => {
    expect(importedSpecErrors(bindingSpec())).toEqual([]);
    expect(importedSpecErrors(bindingSpec({ auth: { kind: 'digest', username: 'est-user', password: '' } }))).toEqual(
      [],
    );
  });

  it.each<[string, Partial<BindingSpec>, RegExp]>([
    ['an agent name with markup', { agentName: '<!channel>' }, /agent name .* 1–64 letters/],
    ['an agent name with spaces', { agentName: 'agent one' }, /agent name/],
    ['a room prefix with a slash', { dispatch: { kind: 'individual', roomPrefix: 'a/b' } }, /room prefix/],
    ['a direct room with markup', { dispatch: { kind: 'direct', roomName: '<@U1>' } }, /room name/],
    ['a trunk domain with a port', { trunkDomain: 'acme.pstn.sinch.com:5060' }, /trunk domain .* port/],
    ['a digest username with spaces', { auth: { kind: 'digest', username: 'a b', password: '' } }, /digest username/],
    [
      'more DIDs than a binding holds',
      { dids: Array.from({ length: 51 }, (_, i) => `+1415555${String(i).padStart(4, '0')}`) },
      /DIDs .* at most 50/,
    ],
  ])('reports %s', (_what, over, message) => {
    const errors = importedSpecErrors(bindingSpec(over));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it('leaves the host and channel to parseImportArgs (they came from the command or the config)', () => {
    expect(importedSpecErrors(bindingSpec({ livekitSipHost: 'localhost', reportChannel: 'x' }))).toEqual([]);
  });
});
