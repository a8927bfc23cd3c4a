import {writeFile} from 'node:fs/promises'

import {Flags} from '@oclif/core'

import {audioDirStats, formatAudioDirStats, probeAudioFiles, pythonFixed} from '../../src/audio/probe.js'
import {AudeepCommand} from '../../src/cli/command.js'
import {audioDataSetFlags, readAudioDataSet} from '../../src/cli/parser-flags.js'
import {UserError} from '../../src/core/errors.js'
import {renderTable} from '../../src/cli/table.js'

// Loops rather than Math.min(...values): spreading hundreds of thousands of arguments overflows the stack.
function extremes(values: readonly number[]): [number, number] {
  let min = values[0]
  let max = values[0]
  for (const v of values) {
    if (v < min) min = v
    if (v > max) max = v
  }
  return [min, max]
}

/** "min - max" like auDeep, or null when all values are equal. */
function range(values: readonly number[], format: (v: number) => string): string | null {
  const [min, max] = extremes(values)
  return min === max ? null : `${format(min)} - ${format(max)}`
}

export default class InspectRaw extends AudeepCommand {
  static override description = `Show information about an audio data set before it is imported.

Parses the data set in --basedir, reads every audio file's header and prints auDeep's table: number of files, labels and cross-validation folds, the shortest and longest file, and the sample rate(s) and channel count(s). With --json, also writes the fields of HEAR's audio_dir_stats (count, duration statistics, sample rates, mono count) computed over all files.`

  static override examples = [
    '<%= config.bin %> inspect raw --basedir ESC-10',
    '<%= config.bin %> inspect raw --basedir my-audio --parser no-metadata --json stats.json',
    '<%= config.bin %> inspect raw --basedir my-data --parser ./my-parser.js',
  ]

  static override flags = {
    ...audioDataSetFlags,
    json: Flags.string({description: "Also write HEAR's audio_dir_stats JSON to this file.", helpValue: 'FILE'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(InspectRaw)
    const {dataSet} = await readAudioDataSet(flags, this.logger)
    const paths = dataSet.instances.map((i) => i.path)
    this.logger.info('reading audio file information')
    const infos = await probeAudioFiles(paths)
    const silent = infos.findIndex((i) => i.frames === 0)
    if (silent >= 0) throw new UserError(`${paths[silent]}: the file contains no audio samples`)

    const lengths = infos.map((i) => i.frames / i.sampleRate)
    const rates = infos.map((i) => i.sampleRate)
    const channels = infos.map((i) => i.channels)
    const seconds = (v: number): string => `${pythonFixed(v, 2)} s`
    const [shortest, longest] = extremes(lengths)
    const rateRange = range(rates, (v) => `${v} Hz`)
    const channelRange = range(channels, String)
    const rows: string[][] = [
      ['number of audio files', String(dataSet.instances.length)],
      ['number of labels', String(dataSet.labelMap?.size ?? 0)],
      ['cross validation folds', String(dataSet.numFolds)],
      ['minimum sample length', seconds(shortest)],
      ['maximum sample length', seconds(longest)],
      rateRange === null ? ['sample rate', `${rates[0]} Hz`] : ['sample rates', rateRange],
      ['channels', channelRange ?? String(channels[0])],
    ]
    this.log(renderTable('data set information', rows, ['left', 'right']))

    if (flags.json !== undefined) {
      try {
        await writeFile(flags.json, formatAudioDirStats(audioDirStats(paths, infos)))
      } catch (error) {
        throw new UserError(`${flags.json}: cannot write file (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
      }
      this.logger.info(`wrote audio statistics to ${flags.json}`)
    }
  }
}
