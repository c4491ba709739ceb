/**
 * The browser suite (`npm run test:browser`): real Chromium (Debian's, or
 * CHROMIUM_PATH) driven by playwright-core, which downloads no browser. Same
 * transform as the main suite, which ignores test/browser/.
 */
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/browser/**/*.browser.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/browser/support/global-setup.ts',
  testTimeout: 30_000,
};
