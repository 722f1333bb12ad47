import {
  commonDestinations,
  countryFinding,
  countryWarningLines,
  destinationsByBinding,
  disabledCountries,
} from '../../../src/domain/est-countries';

const permissions = [
  { isoCode: 'US', name: 'United States', enabled: true },
  { isoCode: 'GB', name: 'United Kingdom', enabled: false },
  { isoCode: 'DE', name: 'Germany', enabled: false },
];

describe('EST country permissions for a binding', () => {
  it('the caller ID and common test destinations in disabled countries, one entry per country', () => {
    const d = disabledCountries(
      { callerId: '+442071838750', destinations: ['+442079460000', '+14155550100', '+4930901820', '+442079460000'] },
      permissions,
    );
    expect(d).toEqual([
      { isoCode: 'GB', name: 'United Kingdom', callerId: true, destinations: ['+442079460000'] },
      { isoCode: 'DE', name: 'Germany', callerId: false, destinations: ['+4930901820'] },
    ]);
    const lines = countryWarningLines(d);
    expect(lines[0]).toBe(
      '⚠️ EST country permission for United Kingdom (GB) is disabled (the caller ID and test destination +442079460000): EST refuses outbound calls to GB numbers. Enable it in the Sinch dashboard (SIP Ops never changes country permissions).',
    );
    expect(lines[1]).toContain('Germany (DE) is disabled (test destination +4930901820)');
    expect(countryFinding(d)).toMatchObject({
      check: 'est.countries',
      status: 'warn',
      evidence: 'United Kingdom (GB) disabled: caller ID, +442079460000; Germany (DE) disabled: +4930901820',
      nextStep: expect.stringContaining('SIP Ops only reads them'),
    });
  });

  it('enabled, unknown or unparsable countries warn about nothing', () => {
    const d = disabledCountries(
      { callerId: '+14155550100', destinations: ['+33142685300', 'junk', '+999'] },
      permissions,
    );
    expect(d).toEqual([]);
    expect(countryFinding(d).status).toBe('pass');
    expect(countryWarningLines(d)).toEqual([]);
  });

  it('common destinations: the most dialled first (ties: the most recent), at most five, per binding', () => {
    expect(commonDestinations(['+1', '+2', '+2', null, '+3', '+4', '+5', '+6', '+7'])).toEqual([
      '+2',
      '+7',
      '+6',
      '+5',
      '+4',
    ]);
    const by = destinationsByBinding([
      { bindingName: 'a', callee: '+1' },
      { bindingName: 'b', callee: '+2' },
      { bindingName: null, callee: '+3' },
      { bindingName: 'a', callee: '+4' },
    ]);
    expect(Object.fromEntries(by)).toEqual({ a: ['+4', '+1'], b: ['+2'] });
  });
});
