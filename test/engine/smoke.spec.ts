import { describe, expect, it } from '@jest/globals';
import { compileCorsPolicy, decideActual, decidePreflight } from '../../lib/engine/index.js';

describe('engine smoke', () => {
  it('echoes an allowed origin', () => {
    const { policy } = compileCorsPolicy({
      origin: ['https://app.example.com'],
      credentials: true,
    });
    expect(decideActual(policy, 'https://app.example.com')).toEqual({
      outcome: 'allowed',
      headers: [
        ['Access-Control-Allow-Origin', 'https://app.example.com'],
        ['Access-Control-Allow-Credentials', 'true'],
      ],
      vary: 'Origin',
    });
    expect(
      decidePreflight(policy, { origin: 'https://evil.example', method: 'PUT' }),
    ).toMatchObject({ outcome: 'refused', status: 403 });
  });
});
