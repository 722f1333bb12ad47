import { CSV_HEADER, callsCsv, csvField, party, type CsvCall } from '../../../src/domain/calls-csv';

/** A strict RFC 4180 reader, enough to read back what the writer produced. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted && ch === '"' && text[i + 1] === '"') {
      field += '"';
      i += 2;
      continue;
    }
    if (ch === '"') {
      quoted = !quoted;
    } else if (!quoted && ch === ',') {
      row.push(field);
      field = '';
    } else if (!quoted && ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += ch;
    }
    i++;
  }
  expect(field).toBe('');
  expect(row).toEqual([]);
  return rows;
}

function call(over: Partial<CsvCall> = {}): CsvCall {
  return {
    id: 'c1',
    direction: 'inbound',
    bindingName: 'sales',
    caller: 'sip_+14155550100',
    callee: '+1 (415) 555-0199',
    actor: null,
    startedAt: '2026-03-10 09:00:00.000Z',
    answeredAt: '2026-03-10T09:00:02.500Z',
    endedAt: null,
    agentJoined: true,
    sipStatus: null,
    outcome: 'completed',
    endReason: null,
    setupMs: 2500.4,
    durationMs: 61000,
    ...over,
  };
}

describe('callsCsv', () => {
  it('writes a header row and one row per call with ISO times and E.164 numbers', () => {
    const rows = parseCsv(
      callsCsv([
        call(),
        call({
          id: 'c2',
          direction: 'test',
          caller: '0041 44 668 18 00',
          actor: 'U123',
          agentJoined: false,
          setupMs: null,
          sipStatus: 486,
        }),
      ]),
    );
    expect(rows[0]).toEqual([...CSV_HEADER]);
    const first = Object.fromEntries(CSV_HEADER.map((h, i) => [h, rows[1]![i]]));
    expect(first).toMatchObject({
      id: 'c1',
      kind: 'inbound',
      binding: 'sales',
      started_at: '2026-03-10T09:00:00.000Z',
      answered_at: '2026-03-10T09:00:02.500Z',
      ended_at: '',
      caller: '+14155550100',
      callee: '+14155550199',
      agent_joined: 'true',
      time_to_agent_ms: '2500',
      duration_ms: '61000',
    });
    const second = Object.fromEntries(CSV_HEADER.map((h, i) => [h, rows[2]![i]]));
    expect(second).toMatchObject({
      kind: 'test',
      caller: '+41446681800',
      sip_status: '486',
      requested_by: 'U123',
      time_to_agent_ms: '',
    });
    expect(rows).toHaveLength(3);
  });

  it('quotes commas, quotes and line breaks so they read back unchanged', () => {
    const endReason = 'said "bye", then\nhung up';
    const rows = parseCsv(callsCsv([call({ endReason, bindingName: 'a,b' })]));
    expect(rows[1]![CSV_HEADER.indexOf('end_reason')]).toBe(endReason);
    expect(rows[1]![CSV_HEADER.indexOf('binding')]).toBe('a,b');
  });

  it('defuses cells a spreadsheet would run as formulas, but keeps phone numbers', () => {
    for (const f of ['=HYPERLINK("x")', '+SUM(A1)', '-2+3', '@cmd', '\t=1'])
      expect(csvField(f).replace(/^"|"$/g, '').startsWith("'")).toBe(true);
    expect(csvField('+14155550100')).toBe('+14155550100');
    expect(csvField('-12')).toBe('-12');
    expect(csvField('plain')).toBe('plain');
  });

  it('exports no secrets: detail, Slack references and SIP passwords stay out', () => {
    const secret = 'S3cr3t-api-secret-0123456789abcdef';
    const record = {
      ...call({ caller: `sip:alice:${secret}@pbx.example.com`, endReason: 'CLIENT_INITIATED' }),
      detail: { apiSecret: secret, authPassword: secret },
      slackChannel: 'C999',
      slackTs: '1700000000.000100',
      roomName: 'room-1',
    };
    const csv = callsCsv([record]);
    expect(csv).not.toContain(secret);
    expect(csv).not.toContain('C999');
    expect(parseCsv(csv)[1]![CSV_HEADER.indexOf('caller')]).toBe('sip:alice@pbx.example.com');
  });
});

describe('party', () => {
  it('leaves non-numbers alone apart from passwords', () => {
    expect(party('sip:bob@host')).toBe('sip:bob@host');
    expect(party('agent-7')).toBe('agent-7');
    expect(party(null)).toBeNull();
  });
});
