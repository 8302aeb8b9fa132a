import dns2 from 'dns2';

const { Packet } = dns2;

/** What the loopback DNS server answers for one name. */
export interface Zone {
  /** A records; a function is asked on every query (a rebinding answer changes between queries). */
  readonly a?: readonly string[] | (() => readonly string[]);
  readonly aaaa?: readonly string[];
  /** TXT records, each a list of character-strings. */
  readonly txt?: readonly (readonly string[])[];
  /** Answer every query for the name with this RCODE instead (2 SERVFAIL, 3 NXDOMAIN). */
  readonly rcode?: number;
}

/**
 * A DNS server on 127.0.0.1 (UDP, dns2) answering from a table; unknown names are NXDOMAIN, or, with
 * `loopbackByDefault`, answer 127.0.0.1 (names starting with `_`, the TXT names, stay NXDOMAIN).
 */
export interface LoopbackDns {
  /** For `createLinkChecker({ dnsServers })`. */
  readonly servers: readonly string[];
  /** The names, lower case, and their answers; tests may add to it. */
  readonly zones: Map<string, Zone>;
  close(): Promise<void>;
}

/**
 * Starts the DNS server with these zones.
 * @example
 * const dns = await startLoopbackDns({ '_assent.theflight.test': { txt: [[`did=${did}`]] } });
 * createLinkChecker({ dnsServers: dns.servers, allowInsecure: true });
 */
export async function startLoopbackDns(
  zones: Record<string, Zone>,
  options: { readonly loopbackByDefault?: boolean } = {},
): Promise<LoopbackDns> {
  const table = new Map(Object.entries(zones));
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const question = request.questions[0];
      const name = question?.name.toLowerCase() ?? '';
      const zone =
        table.get(name) ??
        (options.loopbackByDefault === true && !name.startsWith('_') ? { a: ['127.0.0.1'] } : undefined);
      if (question === undefined || zone === undefined) {
        response.header.rcode = 3;
        return void send(response);
      }
      if (zone.rcode !== undefined) {
        response.header.rcode = zone.rcode;
        return void send(response);
      }
      const base = { name: question.name, class: Packet.CLASS.IN, ttl: 1 };
      if (question.type === Packet.TYPE.A) {
        const a = typeof zone.a === 'function' ? zone.a() : (zone.a ?? []);
        for (const address of a)
          response.answers.push(new Packet.Resource({ ...base, type: Packet.TYPE.A, address }));
      } else if (question.type === Packet.TYPE.AAAA) {
        for (const address of zone.aaaa ?? [])
          response.answers.push(new Packet.Resource({ ...base, type: Packet.TYPE.AAAA, address }));
      } else if (question.type === Packet.TYPE.TXT) {
        for (const data of zone.txt ?? [])
          response.answers.push(new Packet.Resource({ ...base, type: Packet.TYPE.TXT, data: [...data] }));
      }
      void send(response);
    },
  });
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  const port = addresses.udp?.port;
  if (port === undefined) throw new Error('the DNS server did not listen');
  return { servers: [`127.0.0.1:${port}`], zones: table, close: () => server.close() };
}
