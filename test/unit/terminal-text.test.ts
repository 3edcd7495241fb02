import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonLine, terminalLine, terminalSafe, visibleControls } from '../../core/api/terminal-text.ts';
import { shownOutput } from '../../renderer/lib/format.ts';

const ESC = '\u001b';
const SGR_ANYWHERE = /\u001b\[[0-9;:]*m/g;
/** Every control character a terminal acts on: C0 but tab and newline, DEL, C1. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Characters that make up escape sequences, weighted so generated text is full of them. */
const soup = fc.string({
  unit: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(ESC, '[', ']', 'P', '\\', '\u0007', '\u009b', '\u009c', '\u009d', '\u0090', ';', 'm', '5', '2', 'H', '?', ' ', '(', '\r', '\n', '\t') },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 0x9f }).map((code) => String.fromCharCode(code)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 3 }) },
  ),
  maxLength: 60,
});

/** Text with no control character but tab and newline. */
const plain = fc.string({ unit: fc.oneof(fc.constantFrom('a', 'é', '日', ' ', '\t', '[', 'm', ';', '\\', '😀'), fc.string({ maxLength: 2 }).filter((s) => !CONTROL.test(s))), maxLength: 20 });

/** Whole sequences a hostile program prints, each terminated as terminals expect. */
const sequence = fc.oneof(
  fc.base64String({ maxLength: 40 }).map((data) => `${ESC}]52;c;${data}\u0007`),
  fc.string({ maxLength: 20 }).filter((s) => !CONTROL.test(s)).map((title) => `${ESC}]0;${title}${ESC}\\`),
  fc.constantFrom('A', 'B', 'C', 'D', 'H', 'J', 'K', 'n', 'h', 'l', 't').chain((final) => fc.array(fc.nat(999), { maxLength: 3 }).map((params) => `${ESC}[${params.join(';')}${final}`)),
  fc.constantFrom(`${ESC}P+q544e${ESC}\\`, `${ESC}P$qm${ESC}\\`, `${ESC}_payload${ESC}\\`, `${ESC}^pm\u009c`, `${ESC}Xsos${ESC}\\`, `\u009d8;;https://x\u009c`, '\u009b6n', `${ESC}c`, `${ESC}7`, `${ESC}(0`, `${ESC}#8`, `${ESC}[?1049h`, `${ESC}[>4;2m`, `${ESC}[31 m`),
);

describe('terminalSafe', () => {
  it('leaves no control character when colour is off, whatever the input', () => {
    fc.assert(fc.property(soup, (text) => !CONTROL.test(terminalSafe(text, { colour: false }))));
  });

  it('leaves ESC only at the start of a whole SGR sequence when colour is on', () => {
    fc.assert(
      fc.property(soup, (text) => {
        const out = terminalSafe(text, { colour: true });
        expect(out.replace(SGR_ANYWHERE, '')).not.toMatch(CONTROL);
      }),
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(soup, fc.boolean(), (text, colour) => {
        const once = terminalSafe(text, { colour });
        expect(terminalSafe(once, { colour })).toBe(once);
      }),
    );
  });

  it('passes text without controls through unchanged', () => {
    fc.assert(fc.property(plain, fc.boolean(), (text, colour) => terminalSafe(text, { colour }) === text));
  });

  it('removes each whole sequence and keeps the text around it', () => {
    fc.assert(fc.property(plain, sequence, plain, (before, seq, after) => terminalSafe(`${before}${seq}${after}`, { colour: true }) === `${before}${after}`));
  });

  it('keeps SGR colours when colour is on, and drops them when it is off', () => {
    const text = `${ESC}[1;31mred${ESC}[0m ${ESC}[38;5;208mor${ESC}[38:2::1:2:3mange${ESC}[m`;
    expect(terminalSafe(text, { colour: true })).toBe(text);
    expect(terminalSafe(text, { colour: false })).toBe('red orange');
  });

  it('drops the payload of OSC 52, OSC 0 and DCS, not just their introducers', () => {
    const text = `a${ESC}]52;c;Y3VybCBldmlsIHwgc2gK\u0007b${ESC}]0;title${ESC}\\c${ESC}P+q544e${ESC}\\d\u009d52;c;eA==\u009ce`;
    expect(terminalSafe(text, { colour: true })).toBe('abcde');
  });

  it('drops an unterminated control string to the end of the text', () => {
    expect(terminalSafe(`ok${ESC}]52;c;Y3VybA==`, { colour: true })).toBe('ok');
    expect(terminalSafe(`ok${ESC}P+q`, { colour: true })).toBe('ok');
  });

  it('never keeps a CSI that only looks like SGR: private markers, intermediates, the C1 form', () => {
    expect(terminalSafe(`${ESC}[>4;2mx${ESC}[?1mx${ESC}[31 mx\u009b31mx`, { colour: true })).toBe('xxxx');
  });

  it('drops carriage returns and backspaces, which would print over what came before', () => {
    expect(terminalSafe('rm -rf ~\rls      \b\b', { colour: false })).toBe('rm -rf ~ls      ');
  });
});

describe('terminalLine', () => {
  it('ends a line that kept a colour with a reset, so nothing carries over to the next line', () => {
    expect(terminalLine(`${ESC}[8mconcealed`, { colour: true })).toBe(`${ESC}[8mconcealed${ESC}[0m`);
    expect(terminalLine(`${ESC}[8mconcealed`, { colour: false })).toBe('concealed');
    expect(terminalLine('plain', { colour: true })).toBe('plain');
    fc.assert(fc.property(soup, (text) => {
      const line = terminalLine(text, { colour: true });
      expect(line.includes(ESC) ? line.endsWith(`${ESC}[0m`) : line === terminalSafe(text, { colour: true })).toBe(true);
    }));
  });
});

describe('visibleControls', () => {
  it('shows every control as a visible symbol, and holds no control character itself', () => {
    fc.assert(fc.property(soup, (text) => !CONTROL.test(visibleControls(text))));
  });

  it('shows OSC 52 as inert text and drops colours', () => {
    expect(visibleControls(`${ESC}[31mred${ESC}[0m ${ESC}]52;c;eA==\u0007 \u009b2J`)).toBe('red ␛]52;c;eA==␇ ⟨9B⟩2J');
  });

  it('passes text without controls through unchanged', () => {
    fc.assert(fc.property(plain, (text) => visibleControls(text) === text));
  });
});

describe("the app's build output", () => {
  it('shows what a build step printed with its escape sequences as symbols', () => {
    expect(shownOutput(['ok', `${ESC}]52;c;eA==\u0007pasted`])).toBe('ok\n␛]52;c;eA==␇pasted');
  });
});

describe('jsonLine', () => {
  it('escapes every control character, DEL and C1 included, and still parses back to the value', () => {
    fc.assert(
      fc.property(soup, (text) => {
        const json = jsonLine({ line: text });
        expect(json).not.toMatch(CONTROL);
        expect(JSON.parse(json)).toEqual({ line: text });
      }),
    );
  });
});
