import { describe, expect, it } from 'vitest';
import { yamlTooDeep } from '../../../common/parse/yaml-depth.js';

describe('yamlTooDeep', () => {
  it('names the line where flow collections nest too deep', () => {
    expect(yamlTooDeep('a: 1\nb: [1, {c: 2}]\n')).toBeUndefined();
    expect(yamlTooDeep(`a: 1\nb: ${'['.repeat(65)}\n`)).toBe(2);
    expect(yamlTooDeep('{'.repeat(6000))).toBe(1);
  });

  it('does not count brackets in quotes or comments', () => {
    expect(
      yamlTooDeep(`a: "${'['.repeat(100)}"\nb: '${'{'.repeat(100)}'\n# ${'['.repeat(100)}\n`),
    ).toBeUndefined();
  });
});
