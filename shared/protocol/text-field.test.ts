import { describe, expect, it } from 'vitest';
import { DeviceName, LoginRequest, SearchQuery } from './index.js';
import { MessageBody, Topic } from './names.js';
import { isSingleLineText, TextField } from './text-field.js';

describe('TextField', () => {
  it.each([
    ['NUL', 'a\u0000b'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', 'a\udc00b'],
  ])('refuses %s in one-line and multi-line text', (_what, text) => {
    expect(TextField().safeParse(text).success).toBe(false);
    expect(TextField({ multiLine: true }).safeParse(text).success).toBe(false);
    expect(isSingleLineText(text)).toBe(false);
  });

  it.each([
    ['ESC', 'a\u001b[2Jb'],
    ['a carriage return', 'a\rb'],
    ['DEL', 'a\u007fb'],
    ['a C1 control (CSI)', 'a\u009bb'],
    ['a newline', 'one\ntwo'],
    ['a tab', 'one\ttwo'],
  ])('refuses %s in one-line text only: a message body keeps it, to be neutralized where shown', (_what, text) => {
    expect(TextField().safeParse(text).success).toBe(false);
    expect(isSingleLineText(text)).toBe(false);
    expect(TextField({ multiLine: true }).safeParse(text).success).toBe(true);
  });

  it('accepts any other Unicode, surrogate pairs included, and chains like a string', () => {
    expect(TextField().safeParse('héllo wörld 😀 日本').success).toBe(true);
    expect(TextField().trim().min(1).max(3).safeParse('  ab  ')).toEqual({ success: true, data: 'ab' });
    expect(TextField().trim().min(1).max(3).safeParse('abcd').success).toBe(false);
  });

  it('guards every text field of the protocol', () => {
    expect(MessageBody.safeParse('hi\u0000').success).toBe(false);
    expect(MessageBody.safeParse('hi\nthere').success).toBe(true);
    expect(Topic.safeParse('a\u0000').success).toBe(false);
    expect(DeviceName.safeParse('laptop\u0000').success).toBe(false);
    expect(LoginRequest.safeParse({ username: 'a\u0000', password: 'password123' }).success).toBe(false);
    expect(SearchQuery.safeParse({ q: 'a\u0000' }).success).toBe(false);
    expect(SearchQuery.safeParse({ q: 'a', room: 'r\u0000' }).success).toBe(false);
    expect(SearchQuery.safeParse({ q: 'a', from: 'u\u0000' }).success).toBe(false);
  });
});
