import { accessSync, constants } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/**
 * Browser tests drive Debian's Chromium through playwright-core; playwright's own browser downloads
 * cannot be fetched here. `.ci/run` installs the package when it is missing. When the binary is
 * missing, a CI run fails with a clear message and a local run skips those suites with the reason.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const present = isExecutable(CHROMIUM_PATH);

if (!present && process.env.CI === 'true') {
  throw new Error(
    `Chromium not found at ${CHROMIUM_PATH}. CI must install it (apt-get install -y chromium, see .ci/run).`,
  );
}

/** True when Chromium is installed; suites use it with `describe.skipIf(!hasChromium)`. */
export const hasChromium = present;

/** Why the Chromium suites are skipped, for the suite title. */
export const chromiumSkipReason = present ? '' : ` (skipped: ${CHROMIUM_PATH} is missing)`;

/** Starts headless Chromium. No `--user-data-dir` in args: playwright manages the profile itself. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
    timeout: 90_000,
  });
}
