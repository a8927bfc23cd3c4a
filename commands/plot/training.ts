import {Flags} from '@oclif/core'
import {join} from 'node:path'

import {AudeepCommand} from '../../src/cli/command.js'
import {UserError} from '../../src/core/errors.js'

export default class PlotTraining extends AudeepCommand {
  static override description = `Plot the training loss of a run as a PNG.

Reads the TensorBoard event files in <run>/logs (tag 'model/loss/value', or 'loss'), and draws loss against step with a smoothed line and a dot at the end of each epoch. Epoch ends come from --steps-per-epoch or, by default, from the run's checkpoints (the newest one records how many epochs came before the ones kept).`

  static override examples = [
    '<%= config.bin %> plot training --run-name runs/esc-10-60',
    '<%= config.bin %> plot training --run-name runs/esc-10-60 --log-scale --output loss.png',
  ]

  static override enableJsonFlag = true

  static override flags = {
    'run-name': Flags.directory({
      description: 'The training run directory (the one given to train --run-name).',
      required: true,
      helpValue: 'DIR',
    }),
    output: Flags.string({description: 'Where to write the PNG.', helpValue: 'FILE', defaultHelp: async () => '<run>/training-loss.png'}),
    'log-scale': Flags.boolean({description: 'Use a logarithmic loss axis.'}),
    'steps-per-epoch': Flags.integer({description: 'Mark an epoch every N steps instead of at the checkpoints.', min: 1, helpValue: 'N'}),
    tag: Flags.string({description: 'Scalar tag to plot instead of the loss.', helpValue: 'TAG'}),
  }

  async run(): Promise<{
    output: string
    tag: string
    steps: number
    epochs: number
    firstLoss: number
    lastLoss: number
    minLoss: number
  }> {
    const {flags} = await this.parse(PlotTraining)
    const [{readScalarSeries, epochEndSteps, LOSS_TAGS}, {renderLossCurvePng}] = await Promise.all([
      import('../../src/plot/training-log.js'),
      import('../../src/plot/loss-curve.js'),
    ])
    const runDir = flags['run-name']
    const logDir = join(runDir, 'logs')
    const series = readScalarSeries(logDir, flags.tag ? [flags.tag] : LOSS_TAGS)
    const n = series.steps.length
    if (n === 0) throw new UserError(`${logDir}: no values for '${series.tag}'`)
    const lastStep = series.steps[n - 1]
    const perEpoch = flags['steps-per-epoch']
    const epochEnds = perEpoch
      ? Array.from({length: Math.floor((lastStep + 1) / perEpoch)}, (_, e) => (e + 1) * perEpoch - 1)
      : // A checkpoint named model-<N> is written after N steps, i.e. after the step numbered N - 1.
        epochEndSteps(logDir).map((s) => s - 1)
    const output = flags.output ?? join(runDir, 'training-loss.png')
    await renderLossCurvePng(
      {
        steps: series.steps,
        losses: series.values,
        epochEnds,
        logScale: flags['log-scale'],
        title: `training loss of ${runDir}`,
        lossLabel: series.tag,
      },
      output,
    )
    let min = Infinity
    for (const v of series.values) if (v < min) min = v
    this.logger.info(`plotted ${n} values of '${series.tag}' (steps ${series.steps[0]}-${lastStep}) to ${output}`)
    return {
      output,
      tag: series.tag,
      steps: n,
      epochs: epochEnds.length,
      firstLoss: series.values[0],
      lastLoss: series.values[n - 1],
      minLoss: min,
    }
  }
}
