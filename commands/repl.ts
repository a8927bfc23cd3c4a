import {AudeepCommand} from '../src/cli/command.js'
import {Shell} from '../src/cli/repl.js'

export default class Repl extends AudeepCommand {
  static override hidden = true

  static override description = `Interactive shell: type any audeep command line repeatedly.

Started by running audeep without a command in a terminal. Offers line editing, Tab completion of commands, flags and file paths, and a history kept in ~/.audeep_history (or $AUDEEP_HISTORY). Type 'help' or 'help <command>', and 'exit', 'quit' or Ctrl-D to leave. Ctrl-C stops the running command, not the shell.`

  static override examples = ['<%= config.bin %>', '<%= config.bin %> repl']

  async run(): Promise<void> {
    await this.parse(Repl)
    await new Shell(this.config).run()
  }
}
