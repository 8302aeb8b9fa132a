import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { webRoot } from '@assent/web';
import { describe, expect, it } from 'vitest';

describe('webRoot', () => {
  it('is the absolute path of apps/web/dist, where `vite build` writes the app', () => {
    expect(isAbsolute(webRoot)).toBe(true);
    expect(webRoot.replaceAll('\\', '/')).toMatch(/apps\/web\/dist\/$/);
    expect(existsSync(join(webRoot, '..', 'vite.config.ts'))).toBe(true);
  });
});
