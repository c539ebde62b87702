import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { checkOutboundUrl, classifyAddress, createGuardedLookup } from './url-policy.ts';

void describe('outbound URL policy', () => {
  const table: ReadonlyArray<readonly [string, boolean, string]> = [
    ['https://api.personio.de', true, 'https to a public name'],
    ['https://10.1.2.3/scim', true, 'https to a private address (self-hosted apps live there)'],
    ['http://127.0.0.1:9100', true, 'plain http to IPv4 loopback'],
    ['http://127.8.9.10', true, 'plain http anywhere in 127.0.0.0/8'],
    ['http://[::1]:8080', true, 'plain http to IPv6 loopback'],
    ['http://localhost:9100', true, 'plain http to localhost'],
    ['http://LOCALHOST.:9100', true, 'localhost written with a capital and a trailing dot'],
    ['https://localhost', true, 'https to loopback'],
    ['http://api.personio.de', false, 'plain http to a public name'],
    ['http://10.0.0.1', false, 'plain http to a private address'],
    ['https://169.254.169.254/latest/meta-data', false, 'the cloud metadata address'],
    ['https://169.254.1.1', false, 'IPv4 link-local'],
    ['https://[fe80::1]', false, 'IPv6 link-local'],
    ['https://[fd00:ec2::254]', false, 'the AWS IPv6 metadata address'],
    ['https://[::ffff:169.254.169.254]', false, 'metadata written as an IPv4-mapped IPv6 address'],
    ['https://2852039166', false, 'metadata written as one decimal number'],
    ['https://0xa9.0xfe.0xa9.0xfe', false, 'metadata written in hex'],
    ['https://metadata.google.internal', false, 'the GCP metadata name'],
    ['https://METADATA.google.internal.', false, 'the GCP metadata name in capitals with a trailing dot'],
    ['https://100.100.100.200', false, 'the Alibaba metadata address'],
    ['https://0.0.0.0', false, 'the unspecified address'],
    ['https://user:pass@api.personio.de', false, 'credentials in the URL'],
    ['ftp://api.personio.de', false, 'a scheme other than http(s)'],
    ['file:///etc/passwd', false, 'a file URL'],
    ['not a url', false, 'text that is not a URL'],
  ];
  for (const [url, isAllowed, why] of table) {
    void test(`${isAllowed ? 'allows' : 'refuses'} ${why} (${url})`, () => {
      const check = checkOutboundUrl(url);
      assert.equal(check.ok, isAllowed, check.ok ? 'allowed' : check.reason);
    });
  }

  void test('plain http is marked loopback-only so resolved addresses are held to loopback', () => {
    const http = checkOutboundUrl('http://localhost:1');
    const https = checkOutboundUrl('https://localhost:1');
    assert.ok(http.ok && http.isLoopbackOnly, 'http.ok && http.isLoopbackOnly');
    assert.ok(https.ok && !https.isLoopbackOnly, 'https.ok && !https.isLoopbackOnly');
  });

  void test('classifies addresses by range', () => {
    assert.equal(classifyAddress('127.0.0.1'), 'loopback');
    assert.equal(classifyAddress('::1'), 'loopback');
    assert.equal(classifyAddress('169.254.169.254'), 'metadata');
    assert.equal(classifyAddress('169.254.3.4'), 'link_local');
    assert.equal(classifyAddress('fe80::abcd'), 'link_local');
    assert.equal(classifyAddress('224.0.0.1'), 'multicast');
    assert.equal(classifyAddress('8.8.8.8'), 'routable');
    assert.equal(classifyAddress('example.com'), null);
  });
});

void describe('connect-time address check', () => {
  function lookupWith(
    addresses: readonly LookupAddress[],
    isLoopbackOnly: boolean,
  ): Promise<{ error: Error | null; address: unknown }> {
    const lookup = createGuardedLookup({ isLoopbackOnly, resolve: async () => addresses });
    return new Promise((resolve) => {
      lookup('host.example', { all: true }, (error, address) => resolve({ error, address }));
    });
  }

  void test('refuses a name that resolves to the metadata address (DNS rebinding)', async () => {
    const { error } = await lookupWith([{ address: '169.254.169.254', family: 4 }], false);
    assert.match(String(error?.message), /metadata/);
  });

  void test('refuses a name when any of its addresses is link-local', async () => {
    const { error } = await lookupWith(
      [
        { address: '93.184.216.34', family: 4 },
        { address: 'fe80::1', family: 6 },
      ],
      false,
    );
    assert.match(String(error?.message), /link-local/);
  });

  void test('refuses a plain-http name that resolves off loopback', async () => {
    const { error } = await lookupWith([{ address: '10.0.0.5', family: 4 }], true);
    assert.match(String(error?.message), /not loopback/);
  });

  void test('passes every allowed address through when all are asked for', async () => {
    const { error, address } = await lookupWith([{ address: '93.184.216.34', family: 4 }], false);
    assert.equal(error, null);
    assert.deepEqual(address, [{ address: '93.184.216.34', family: 4 }]);
  });

  void test('answers with the first address when one is asked for', async () => {
    const lookup = createGuardedLookup({
      isLoopbackOnly: true,
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    const result = await new Promise<unknown[]>((resolve) => {
      lookup('localhost', {}, (...args) => resolve(args));
    });
    assert.deepEqual(result, [null, '127.0.0.1', 4]);
  });
});
