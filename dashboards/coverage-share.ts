import { COVERAGE_COMMUNE, COVERAGE_PROVINCE } from '../protocol/index.js';

/**
 * The share of hamlets not known to be silent, in %: covered ones plus those served only by FM or
 * wired clusters, which cannot report (issue 12: counting them as uncovered read 75 % for an all-green
 * commune with one FM hamlet, and kept the province alert firing for ever). Unserved and uncovered
 * hamlets are the gap. One definition for the province stat, its trend, the commune table and the
 * alert rule; the field names are those of `coverage_province` and `coverage_commune`.
 */
const P = COVERAGE_PROVINCE.field;
const C = COVERAGE_COMMUNE.field;
export const PROVINCE_HAMLETS_OK_PCT = `(last("${P.hamlets_covered}") + last("${P.hamlets_unmonitored}")) / last("${P.hamlets}") * 100`;
export const COMMUNE_HAMLETS_OK_PCT = `(last("${C.covered}") + last("${C.unmonitored}")) / last("${C.hamlets}") * 100`;
