/**
 * A RegExp with `g` or `y` keeps state between `test()` calls (`lastIndex`), so
 * the same value would match and then not; a copy without those flags does not.
 * Configured RegExps are tested once per request, so each is kept as such a copy.
 */
export function statelessCopy(regExp: RegExp): RegExp {
  return regExp.global || regExp.sticky
    ? new RegExp(regExp.source, regExp.flags.replace(/[gy]/g, ''))
    : regExp;
}
