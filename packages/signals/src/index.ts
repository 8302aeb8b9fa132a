/**
 * `@assent/signals`: interop with the AI-preference signals in use today. Writes IETF AIPREF
 * `Content-Usage` headers and robots.txt rules, Cloudflare `Content-Signal` robots.txt lines, W3C
 * TDMRep headers and `/.well-known/tdmrep.json`, CAWG `cawg.training-mining` assertions and
 * `X-Robots-Tag: noai` from a creator-signed policy; reads
 * them back as unsigned, lower-trust evidence. No I/O and no Node built-ins: runs in browsers too.
 * @packageDocumentation
 */

export {
  type CawgEntry,
  type CawgReading,
  type CawgTrainingMiningAssertion,
  type CawgUse,
  describeConditions,
  MAX_CAWG_BYTES,
  MAX_CONSTRAINT_INFO_LENGTH,
  parseCawgTrainingMining,
  type ToCawgOptions,
  toCawgTrainingMining,
} from './cawg.js';
export {
  type ContentSignalReading,
  MAX_CONTENT_SIGNAL_LENGTH,
  parseContentSignal,
  toContentSignal,
} from './content-signal.js';
export {
  CONTENT_USAGE_HEADER,
  type ContentUsageReading,
  MAX_CONTENT_USAGE_LENGTH,
  parseContentUsage,
  toContentUsage,
} from './content-usage.js';
export type { PathPattern } from './path-pattern.js';
export {
  assertResolvedPolicy,
  isResolvedPolicy,
  isRestrictive,
  type PolicyForWorkOptions,
  policyForWork,
  type ResolvedPolicy,
  type ResolveOptions,
  resolvePolicy,
} from './policy.js';
export {
  mostRestrictive,
  SIGNAL_ISSUE_CODES,
  type SignalIssue,
  type SignalIssueCode,
  type SignalReading,
  type SignalStandard,
} from './reading.js';
export {
  type ContentUsageQuery,
  contentSignalFor,
  contentUsageFor,
  MAX_ROBOTS_TXT_BYTES,
  parseRobotsTxt,
  type RobotsContentSignalReading,
  type RobotsGroup,
  type RobotsRule,
  type RobotsTxt,
  type RobotsTxtReading,
  type ToRobotsTxtOptions,
  toRobotsTxt,
  type UrlPolicy,
} from './robots-txt.js';
export { type SignalHeadersOptions, toSignalHeaders } from './signal-headers.js';
export {
  AIPREF_LABELS,
  C2PA_LEGACY_LABEL,
  CAWG_ENTRIES,
  CAWG_LABEL,
  CONTENT_SIGNAL_NAMES,
  NOAI_TERMS,
  type SignalName,
  TDMREP_READ_TERMS,
  TDMREP_UNRESERVED_TERMS,
  TDMREP_WRITE_TERMS,
} from './signal-mappings.js';
export {
  type HeadersLike,
  MAX_TDMREP_FILE_BYTES,
  MAX_TDMREP_RULES,
  parseTdmRep,
  parseTdmRepFile,
  TDMREP_WELL_KNOWN_PATH,
  type TdmRepFile,
  type TdmRepInput,
  type TdmRepOptions,
  type TdmRepReading,
  type TdmRepRule,
  type TdmRepSignal,
  toTdmRep,
  toTdmRepFile,
} from './tdmrep.js';
export {
  MAX_X_ROBOTS_TAG_LENGTH,
  NOAI_DIRECTIVES,
  parseXRobotsTag,
  toXRobotsTag,
  type XRobotsTagReading,
} from './x-robots-tag.js';
