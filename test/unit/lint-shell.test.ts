import { describe, expect, it } from 'vitest';
import { parseDocument, type Source } from '../../core/lint/document.ts';
import { analyzeRun, parseJsonArray } from '../../core/lint/run.ts';
import { argv, parseShell } from '../../core/lint/shell.ts';

/** A script as its own source: offsets are its indexes. */
const source = (text: string): Source => ({ text, starts: [...text].map((_, i) => i), ends: [...text].map((_, i) => i + 1) });

/** `name arg…` of every command, nested ones included. */
const commands = (script: string) => parseShell(source(script)).commands.map((command) => command.words.map((word) => word.value).join(' '));

const names = (script: string) => parseShell(source(script)).commands.flatMap((command) => argv(command)?.name ?? []);

describe('the shell reader', () => {
  it('resolves quotes and escapes into words', () => {
    expect(commands(`echo "a b" 'c d' e\\ f "x\\"y" '$HOME'`)).toEqual(['echo a b c d e f x"y $HOME']);
  });

  it('keeps text in quotes as data and comments out of the way', () => {
    expect(names('echo "apt-get install x" && printf \'%s\' "pip install y" # apt-get install z')).toEqual(['echo', 'printf']);
  });

  it('reads command substitutions, backquotes and process substitutions as commands', () => {
    expect(names('echo "$(apt-get install -y x)" `pip install y` && diff <(npm ls) b')).toEqual(['apt-get', 'pip', 'echo', 'npm', 'diff']);
  });

  it('skips heredoc bodies that are data, but reads one fed to a shell', () => {
    expect(names('cat > /etc/x <<EOF\napt-get install -y foo\nEOF\necho done')).toEqual(['cat', 'echo']);
    expect(names('cat <<-"END"\n\tapt-get install\n\tEND\necho ok')).toEqual(['cat', 'echo']);
    expect(names('bash <<EOF\napt-get update\nEOF')).toEqual(['bash', 'apt-get']);
    expect(names('grep x <<< "apt-get install"')).toEqual(['grep']);
  });

  it('separates commands at operators and keeps pipelines together', () => {
    const program = parseShell(source('curl -fsSL x | tee f | sh; echo a && echo b || echo c & wait'));
    const pipelines = program.commands.map((command) => command.pipeline);
    expect(program.commands.map((command) => command.words[0]?.value)).toEqual(['curl', 'tee', 'sh', 'echo', 'echo', 'echo', 'wait']);
    expect(new Set(pipelines.slice(0, 3)).size).toBe(1);
    expect(new Set(pipelines.slice(3)).size).toBe(4);
    expect(program.commands.slice(0, 3).map((command) => command.position)).toEqual([0, 1, 2]);
  });

  it('takes redirections out of the words', () => {
    expect(commands('apt-get update >/dev/null 2>&1 && make -C dir 2> err.log')).toEqual(['apt-get update', 'make -C dir']);
  });

  it('reads through if, loops and case', () => {
    expect(names('if ! command -v jq; then apt-get install -y jq; elif true; then :; fi')).toEqual(['apt-get', 'true', ':']);
    expect(names('for p in flask django; do pip install "$p"; done')).toEqual(['pip']);
    expect(names('case "$(uname -m)" in x86_64|amd64) apt-get update ;; *) echo other ;; esac')).toEqual(['uname', 'apt-get', 'echo']);
    expect(names('( cd /x && make ) && { npm ci; }')).toEqual(['cd', 'make', 'npm']);
  });

  it('sees through wrappers to the command they run', () => {
    expect(names('sudo -u root env DEBIAN_FRONTEND=noninteractive apt-get install -y x')).toEqual(['apt-get']);
    expect(names('exec nice -n 5 timeout 10 xargs -r pip install')).toEqual(['pip']);
    expect(names('command -v apt-get')).toEqual([]);
    expect(parseShell(source('A=1 B="2 3" make')).commands[0]?.assignments.map((word) => word.value)).toEqual(['A=1', 'B=2 3']);
  });

  it('reads the script of sh -c, with combined flags', () => {
    expect(names(`sh -ec 'apt-get update && apt-get install -y x'`)).toEqual(['sh', 'apt-get', 'apt-get']);
    expect(names(`bash -o pipefail -c "pip install y"`)).toEqual(['bash', 'pip']);
    expect(names('bash script.sh -c "pip install y"')).toEqual(['bash']);
  });

  it('maps every word back to where it is written', () => {
    const text = 'echo "ab" c\\d';
    const [command] = parseShell(source(text)).commands;
    expect(command?.words.map((word) => [word.start, word.end])).toEqual([
      [0, 4],
      [5, 9],
      [10, 13],
    ]);
    expect(command?.words[1]?.starts).toEqual([6, 7]);
  });
});

describe('RUN instructions', () => {
  const run = (text: string, index = 0) => {
    const doc = parseDocument(text);
    const instr = doc.instructions.filter((candidate) => candidate.keyword === 'RUN')[index];
    if (!instr) throw new Error('no RUN');
    return { doc, info: analyzeRun(instr) };
  };

  it('joins continuation lines and drops comment lines inside them, as Docker does', () => {
    const { doc, info } = run('FROM x\nRUN apt-get update \\\n  # why\n  && apt-get install \\\n\n      jq\n');
    expect(info.invocations.map((invocation) => [invocation.name, invocation.args.map((arg) => arg.value).join(' ')])).toEqual([
      ['apt-get', 'update'],
      ['apt-get', 'install jq'],
    ]);
    const jq = info.invocations[1]?.args[1];
    expect(doc.index.span(jq?.start ?? 0, jq?.end ?? 0)).toEqual({ line: 6, column: 7, endLine: 6, endColumn: 9 });
  });

  it('reads the exec form as an argv, and its sh -c script as shell', () => {
    expect(run('FROM x\nRUN ["apt-get", "install", "-y", "jq"]\n').info).toMatchObject({ form: 'exec', append: null });
    const { info } = run('FROM x\nRUN ["/bin/sh", "-c", "apt-get update && apt-get install -y \\"jq\\""]\n');
    expect(info.invocations.map((invocation) => invocation.name)).toEqual(['sh', 'apt-get', 'apt-get']);
    expect(info.editable.has(info.commands[0] as never)).toBe(false);
    expect(info.append?.inline).toBe(true);
  });

  it('falls back to the shell form when the brackets are not JSON, as Docker does', () => {
    const { info } = run("FROM x\nRUN ['apt-get', 'update']\n");
    expect(info.form).toBe('shell');
  });

  it('reads a heredoc RUN as the script it runs', () => {
    const { info } = run('FROM x\nRUN <<EOF\nset -e\napt-get update\napt-get install -y jq\nEOF\n');
    expect(info.form).toBe('heredoc');
    expect(info.invocations.map((invocation) => invocation.name)).toEqual(['set', 'apt-get', 'apt-get']);
    expect(info.append).toBeNull();
  });

  it('skips the flags before the command', () => {
    const { info } = run('FROM x\nRUN --mount=type=cache,target=/root/.cache --network=none pip install y\n');
    expect(info.invocations.map((invocation) => invocation.name)).toEqual(['pip']);
  });

  it('parses JSON strings with their escapes, mapped to where they are written', () => {
    const words = parseJsonArray(source('[ "a\\"b", "\\u0041" ]'));
    expect(words?.map((word) => word.value)).toEqual(['a"b', 'A']);
    expect(words?.[0]?.starts).toEqual([3, 4, 6]);
    expect(parseJsonArray(source('["a", 1]'))).toBeNull();
    expect(parseJsonArray(source('["a"] x'))).toBeNull();
  });
});
