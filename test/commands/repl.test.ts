// The interactive shell, driven as a person would: in a pseudo-terminal, with real key presses (Tab,
// Ctrl-C, Ctrl-D, arrow keys). The terminal comes from tmux when installed, else from util-linux's
// `script`; without either the pty tests are skipped. Completion and tokenising are also tested directly.

import assert from 'node:assert/strict'
import {spawn, spawnSync, type ChildProcessWithoutNullStreams} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {test} from 'node:test'

import {Config} from '@oclif/core'

import {catalogFromConfig, complete, tokenize} from '../../src/cli/completion.js'
import {needsShared, reference, repoRoot, sharedMissing, tempDir} from '../helpers.js'

const ESC = String.fromCharCode(27)
const ANSI = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]|${ESC}[()][A-Z0-9]|\\r`, 'g')

interface Terminal {
  /** Literal text. */
  type(text: string): void
  /** Special keys: 'Tab', 'Enter', 'C-c', 'C-d', 'Up'. */
  press(key: 'Tab' | 'Enter' | 'C-c' | 'C-d' | 'Up'): void
  /** What the terminal shows (tmux) or has printed (script), without escape sequences. */
  text(): string
  close(): void
}

const KEY_BYTES = {Tab: '\t', Enter: '\r', 'C-c': '\x03', 'C-d': '\x04', Up: `${ESC}[A`}

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0
}

// AUDEEP_TEST_PTY=tmux|script picks one (to test both backends on one machine).
const wanted = process.env.AUDEEP_TEST_PTY
const backend =
  wanted === 'tmux' || wanted === 'script' ? (has(wanted) ? wanted : null) : has('tmux') ? 'tmux' : has('script') ? 'script' : null

/** Starts `shellCommand` (run by sh, in the repository root) in a 120 x 40 pseudo-terminal. */
function openTerminal(shellCommand: string, env: Record<string, string>): Terminal {
  const envPrefix = Object.entries(env)
    .map(([k, v]) => `${k}='${v}'`)
    .join(' ')
  const command = `cd '${repoRoot}' && env ${envPrefix} sh -c '${shellCommand}'`
  if (backend === 'tmux') {
    // A private server (-L), so that the user's tmux and its environment play no part.
    const socket = `audeep-test-${process.pid}-${Math.random().toString(36).slice(2)}`
    const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], {encoding: 'utf8'})
    const started = tmux('new-session', '-d', '-s', 'repl', '-x', '120', '-y', '40', command)
    assert.equal(started.status, 0, started.stderr)
    tmux('set-option', '-t', 'repl', 'remain-on-exit', 'on')
    return {
      type: (text) => void tmux('send-keys', '-t', 'repl', '-l', '--', text),
      press: (key) => void tmux('send-keys', '-t', 'repl', key),
      text: () => tmux('capture-pane', '-p', '-S', '-200', '-t', 'repl').stdout,
      close: () => void tmux('kill-server'),
    }
  }
  const child: ChildProcessWithoutNullStreams = spawn('script', ['-qfec', `stty cols 120 rows 40; ${command}`, '/dev/null'], {
    env: {...process.env, TERM: 'xterm'},
  })
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')))
  child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')))
  return {
    type: (text) => void child.stdin.write(text),
    press: (key) => void child.stdin.write(KEY_BYTES[key]),
    text: () => output.replace(ANSI, ''),
    close: () => void child.kill(),
  }
}

async function waitFor(term: Terminal, pattern: RegExp, what: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    // Trailing blanks differ between backends (tmux trims lines, the raw stream keeps the prompt's space).
    const text = term.text().trimEnd()
    if (pattern.test(text)) return text
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what} (${pattern}); the terminal shows:\n${text}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

function count(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern.source, 'g'))?.length ?? 0
}

const PROMPT = /\(audeep\)$/

// Ctrl-C goes to the terminal's whole foreground group, including this wrapper shell; a trap (unlike an
// ignore, which the child would inherit) keeps the wrapper alive to report the shell's exit status.
const SESSION = 'trap : INT; node bin/run.js; echo "[exit status $?]"; sleep 30'

test(
  'interactive shell in a terminal',
  {skip: sharedMissing ?? (backend ? false : 'needs tmux or script (util-linux) for a pseudo-terminal'), timeout: 120_000},
  async () => {
    const dir = tempDir()
    const history = join(dir, 'history')
    // A small 1-D data set, so that a deliberately endless t-SNE can be interrupted.
    const features = reference('esc10-sample-generated-layout.nc')
    const sample = reference('esc10-sample.nc')

    const term = openTerminal(SESSION, {AUDEEP_HISTORY: history})
    try {
      await waitFor(term, PROMPT, 'the first prompt')

      // Tab completes a command name; the command then runs and prints its result.
      term.type('vali')
      term.press('Tab')
      await waitFor(term, /\(audeep\) validate$/, 'Tab completion of "vali"')
      term.type(`--input ${sample}`)
      term.press('Enter')
      let screen = await waitFor(term, /PASS validation[\s\S]*\(audeep\)$/, 'validate output and the next prompt')

      // A failing command prints one error line and the prompt comes back.
      term.type('validate --input no-such-file.nc')
      term.press('Enter')
      screen = await waitFor(term, /no-such-file\.nc: no such file[\s\S]*\(audeep\)$/, 'the error and the next prompt')
      assert.match(screen, /audeep: error: no-such-file\.nc: no such file/)

      // Ctrl-C stops the running command, not the shell.
      term.type(`visualize tsne --input ${features} --output ${join(dir, 'never.png')} --perplexity 5 --iterations 100000000 --seed 1`)
      term.press('Enter')
      await waitFor(term, /random seed: 1/, 'the long command to start')
      await new Promise((r) => setTimeout(r, 500))
      term.press('C-c')
      screen = await waitFor(term, /audeep: error: interrupted[\s\S]*\(audeep\)$/, 'the interrupted command to return to the prompt')

      // The shell still works afterwards.
      const before = count(term.text(), /audeep\/\d+\.\d+\.\d+/)
      term.type('--version')
      term.press('Enter')
      await waitFor(term, new RegExp(`(audeep/\\d+\\.\\d+\\.\\d+[\\s\\S]*){${before + 1}}\\(audeep\\)$`), 'the version line')

      // Ctrl-D on an empty line ends the session with status 0.
      term.press('C-d')
      await waitFor(term, /\[exit status 0\]/, 'exit status 0 after Ctrl-D')
    } finally {
      term.close()
    }

    const lines = readFileSync(history, 'utf8').trim().split('\n')
    assert.deepEqual(lines, [`validate --input ${sample}`, 'validate --input no-such-file.nc', lines[2], '--version'])
    assert.match(lines[2], /^visualize tsne /)

    // A second session starts with that history: Up recalls the last line.
    const again = openTerminal(SESSION, {AUDEEP_HISTORY: history})
    try {
      await waitFor(again, PROMPT, 'the prompt of the second session')
      again.press('Up')
      await waitFor(again, /\(audeep\) --version$/, "the previous session's last line after Up")
      again.press('Up')
      await waitFor(again, /\(audeep\) visualize tsne /, 'the line before it after a second Up')
      again.press('C-c')
      await waitFor(again, /\^C[\s\S]*\(audeep\)$/, 'Ctrl-C at the prompt to clear the line and prompt again')
      again.type('exit')
      again.press('Enter')
      await waitFor(again, /\[exit status 0\]/, 'exit status 0 after "exit"')
    } finally {
      again.close()
    }
  },
)

test('the shell reads commands from a pipe too, and keeps going after errors', needsShared, () => {
  const dir = tempDir()
  const result = spawnSync(process.execPath, [join(repoRoot, 'bin', 'run.js'), 'repl'], {
    cwd: repoRoot,
    input: [
      `validate --input '${reference('esc10-sample.nc')}'`,
      'frobnicate now',
      '"unterminated',
      't-rae',
      'quit',
      'validate --input never-run.nc',
      '',
    ].join('\n'),
    env: {...process.env, AUDEEP_HISTORY: join(dir, 'history')},
    encoding: 'utf8',
  })
  assert.equal(result.status, 0, result.stderr)
  assert.match(result.stdout, /PASS validation/)
  assert.match(result.stderr, /audeep: error: unknown command 'frobnicate now'/)
  assert.match(result.stderr, /audeep: error: unterminated quote/)
  // A topic alone shows its commands.
  assert.match(result.stdout, /t-rae train/)
  assert.doesNotMatch(result.stderr, /never-run/, 'nothing runs after quit')
})

test('tokenize splits like a shell', () => {
  const words = (line: string) => tokenize(line, {expandTilde: true}).tokens.map((t) => t.value)
  assert.deepEqual(words(`fuse --input 'a b.nc' "c \\"d\\".nc" e\\ f.nc --output=out.nc`), [
    'fuse',
    '--input',
    'a b.nc',
    'c "d".nc',
    'e f.nc',
    '--output=out.nc',
  ])
  assert.deepEqual(words('validate --input ~/x.nc ~'), ['validate', '--input', join(homedir(), 'x.nc'), homedir()])
  assert.deepEqual(words(`a '~/x'`), ['a', '~/x'])
  assert.equal(tokenize(`a 'b`).unterminatedQuote, true)
  assert.equal(tokenize('a b ').endsInToken, false)
})

test('completion offers commands, subcommands, flags, flag values and paths', async () => {
  const config = await Config.load(repoRoot)
  const catalog = catalogFromConfig(config)
  const [hits, replaced] = complete('vis', catalog)
  assert.deepEqual([hits, replaced], [['visualize '], 'vis'])
  assert.deepEqual(complete('visualize ', catalog)[0], ['tsne ', 'umap '])
  assert.deepEqual(complete('help fuse c', catalog)[0], ['chunks '])
  assert.ok(complete('', catalog)[0].includes('exit '), 'shell builtins at the start of a line')
  assert.ok(!complete('', catalog)[0].some((w) => w.startsWith('repl')), 'the hidden repl command is not offered')
  // `fuse` is a command and a topic: its subcommand and files are both offered.
  assert.ok(complete('fuse ', catalog)[0].includes('chunks '))
  assert.deepEqual(complete('visualize tsne --perp', catalog), [['--perplexity '], '--perp'])
  assert.ok(complete('visualize tsne --', catalog)[0].includes('--verbose '), 'global options are offered too')
  assert.ok(!complete('validate --input x --', catalog)[0].includes('--input '), 'a flag already given is not offered again')

  const dir = tempDir()
  const {mkdirSync, writeFileSync} = await import('node:fs')
  mkdirSync(join(dir, 'runs'))
  writeFileSync(join(dir, 'run one.nc'), '')
  writeFileSync(join(dir, 'other.nc'), '')
  assert.deepEqual(complete('validate --input r', catalog, {cwd: dir}), [['run\\ one.nc ', 'runs/'], 'r'])
  assert.deepEqual(complete(`validate --input ${dir}/o`, catalog), [[`${dir}/other.nc `], `${dir}/o`])
})
