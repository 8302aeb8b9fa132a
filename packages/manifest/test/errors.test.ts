import { describe, expect, it } from 'vitest';
import { AssentError, fail, isAssentError, ok, unwrap } from '../src/errors.js';

describe('error helpers', () => {
  it('unwrap returns a success value and throws a failure as an AssentError with its code and path', () => {
    expect(unwrap(ok(3))).toBe(3);
    try {
      unwrap(fail('JSON_SYNTAX', 'bad', '/a'));
      expect.unreachable();
    } catch (error) {
      expect(isAssentError(error, 'JSON_SYNTAX')).toBe(true);
      expect(error).toBeInstanceOf(AssentError);
      expect((error as AssentError).path).toBe('/a');
    }
  });
});
