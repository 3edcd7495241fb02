/**
 * Text an agent wrote, made safe to show. The agent is hostile, and a terminal obeys what it
 * prints: OSC 52 writes the user's clipboard, OSC 0 sets the window title, CSI moves the cursor
 * over earlier lines, DCS queries answer back into the terminal's input. Only SGR (colours and
 * text attributes) is harmless. Pure, without imports: the CLI and the renderer use it alike.
 *
 * The scanner follows ECMA-48 as terminals read it: ESC or a C1 control starts a sequence, CSI
 * runs to its final byte, OSC/DCS/SOS/PM/APC run to their string terminator (BEL, ESC \ or ST).
 * Whatever it drops, it drops from the introducer on, so the terminal never leaves its ground
 * state: text left over from a sequence this scanner read differently is printed as plain text.
 */

const ESC = 0x1b;
const BEL = 0x07;
const TAB = 0x09;
const NEWLINE = 0x0a;
const C1_CSI = 0x9b;
const C1_ST = 0x9c;
/** C1 controls that open a control string: DCS, SOS, OSC, PM, APC. */
const C1_STRINGS = new Set([0x90, 0x98, 0x9d, 0x9e, 0x9f]);
/** What follows ESC to open a control string: DCS P, SOS X, OSC ], PM ^, APC _. */
const ESC_STRINGS = new Set(['P', 'X', ']', '^', '_'].map((c) => c.charCodeAt(0)));

/** A complete SGR sequence: ESC [, parameters (digits, `;`, `:`), m. Nothing else is kept. */
const SGR = /^\u001b\[[0-9;:]*m$/;

function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/** Where the control string starting at `from` (just after its introducer) ends: the index after its terminator, or the text's end. */
function endOfString(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === BEL || code === C1_ST) return i + 1;
    if (code === ESC) return text.charCodeAt(i + 1) === 0x5c ? i + 2 : i;
  }
  return text.length;
}

/** Where the CSI whose parameters start at `from` ends: after its final byte, or before the first byte that cannot belong to it. */
function endOfCsi(text: string, from: number): { end: number; complete: boolean } {
  let i = from;
  while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x3f) i++;
  while (i < text.length && text.charCodeAt(i) >= 0x20 && text.charCodeAt(i) <= 0x2f) i++;
  const code = text.charCodeAt(i);
  if (i < text.length && code >= 0x40 && code <= 0x7e) return { end: i + 1, complete: true };
  return { end: i, complete: false };
}

/** Where the escape sequence at `at` (an ESC) ends. */
function endOfEscape(text: string, at: number): { end: number; csi: boolean } {
  const next = text.charCodeAt(at + 1);
  if (Number.isNaN(next)) return { end: at + 1, csi: false };
  if (next === 0x5b) {
    const { end, complete } = endOfCsi(text, at + 2);
    return { end, csi: complete };
  }
  if (ESC_STRINGS.has(next)) return { end: endOfString(text, at + 2), csi: false };
  // nF (ESC, intermediates, final: charset designations, DECALN) and Fp/Fe/Fs (ESC 7, ESC c, ESC M).
  let i = at + 1;
  while (i < text.length && text.charCodeAt(i) >= 0x20 && text.charCodeAt(i) <= 0x2f) i++;
  const final = text.charCodeAt(i);
  if (i < text.length && final >= 0x30 && final <= 0x7e) return { end: i + 1, csi: false };
  return { end: i, csi: false };
}

/**
 * Splits a text into plain runs and control sequences, in order. A plain run holds no control
 * character but tab and newline; a control part is one whole sequence or one lone control.
 */
function* scan(text: string): Generator<{ control: boolean; text: string }> {
  let plain = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (!isControl(code) || code === TAB || code === NEWLINE) {
      i++;
      continue;
    }
    if (i > plain) yield { control: false, text: text.slice(plain, i) };
    let end = i + 1;
    if (code === ESC) end = endOfEscape(text, i).end;
    else if (code === C1_CSI) end = endOfCsi(text, i + 1).end;
    else if (C1_STRINGS.has(code)) end = endOfString(text, i + 1);
    yield { control: true, text: text.slice(i, end) };
    i = end;
    plain = end;
  }
  if (text.length > plain) yield { control: false, text: text.slice(plain) };
}

/**
 * For a terminal: every escape sequence and control character removed (tab and newline stay),
 * except SGR colour sequences when `colour` is on. With `colour` off the result holds no ESC at
 * all: right for a pipe or a file, which may be printed to a terminal later.
 */
export function terminalSafe(text: string, { colour }: { colour: boolean }): string {
  let out = '';
  for (const part of scan(text)) {
    if (!part.control) out += part.text;
    else if (colour && SGR.test(part.text)) out += part.text;
  }
  return out;
}

/**
 * One line for a terminal, as terminalSafe makes it, ending with a reset when it kept any colour:
 * a colour left on (or concealed text) would otherwise carry over to the lines printed after it,
 * another service's or Paddock's own.
 */
export function terminalLine(text: string, { colour }: { colour: boolean }): string {
  const safe = terminalSafe(text, { colour });
  return safe.includes('\u001b') ? `${safe}\u001b[0m` : safe;
}

/**
 * For a view that draws text (the app's output view): SGR sequences removed (it does not draw
 * colours), and every other control character shown as a visible symbol (ESC as ␛, BEL as ␇, a
 * C1 control as ⟨9B⟩), so an attempt is seen for what it is and does nothing.
 */
export function visibleControls(text: string): string {
  let out = '';
  for (const part of scan(text)) {
    if (!part.control) out += part.text;
    else if (!SGR.test(part.text)) out += [...part.text].map(controlPicture).join('');
  }
  return out;
}

function controlPicture(char: string): string {
  const code = char.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  if (code >= 0x80 && code <= 0x9f) return `⟨${code.toString(16).toUpperCase()}⟩`;
  return char;
}

/**
 * A value as one line of JSON whose text holds no control character at all: JSON.stringify
 * leaves DEL and the C1 controls raw, and a terminal that shows the JSON would obey them.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
