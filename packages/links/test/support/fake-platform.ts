// The fixture lives in test/support/ at the root, shared with the CLI's tests; this path stays for
// test files that still import it from here.
export * from '../../../../test/support/fake-platform.js';
