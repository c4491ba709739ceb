import { getPublicSuffix } from 'tldts';

/**
 * Whether anyone may register a name directly under `host` (lowercase, as
 * browsers send it): a public suffix, one of ICANN's (`com`, `co.uk`) or one a
 * company opens to its customers (`github.io`, `vercel.app`), by the Public
 * Suffix List that tldts ships. The list changes every week; tldts follows it.
 * A name the list does not know counts by its last label (`internal`), as
 * browsers count it.
 */
export function isPublicSuffix(host: string): boolean {
  return getPublicSuffix(host, { allowPrivateDomains: true }) === host;
}
