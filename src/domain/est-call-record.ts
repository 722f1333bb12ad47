/**
 * What EST saw of a test call (issue 16 point 6), as one line for the verdict. Pure: the caller looks the
 * record up (src/sinch/call-lookup.ts) and passes it, or `undefined` when EST has none in the window.
 */
export interface EstCallSeen {
  callId: string;
  callResult?: string | null | undefined;
  to?: string | null | undefined;
  trunkId?: string | null | undefined;
}

export function estCallNote(record: EstCallSeen | undefined): string {
  if (!record) {
    return 'EST has no record of this call: the INVITE never reached Sinch (network, DNS or the trunk domain).';
  }
  const result = (record.callResult ?? 'UNKNOWN').toUpperCase();
  if (result === 'COMPLETED') return `EST handled this call (${result}, EST call ${record.callId}).`;
  if (result === 'FAILED') {
    return `EST refused it (${result}, EST call ${record.callId}): check the trunk's ACL or credentials, the caller ID (a number of the project) and the destination country's permission.`;
  }
  return `EST saw this call end as ${result} (EST call ${record.callId}).`;
}
