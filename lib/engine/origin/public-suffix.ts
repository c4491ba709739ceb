import { getPublicSuffix } from 'tldts';

/**
 * The part of `host` (lowercase, as browsers send it) under which anyone may
 * register a name: a public suffix, one of ICANN's (`com`, `co.uk`) or one a
 * company opens to its customers (`github.io`, `s3.amazonaws.com`), by the
 * Public Suffix List that tldts ships. The list changes every week; tldts
 * follows it. A name the list does not know counts by its last label
 * (`internal`), as browsers count it.
 */
export function publicSuffixOf(host: string): string {
  return getPublicSuffix(host, { allowPrivateDomains: true }) ?? host;
}

export function isPublicSuffix(host: string): boolean {
  return publicSuffixOf(host) === host;
}
