// The spectrogram options of auDeep's ESC-10 tutorial (its README and samples/esc-10.sh at -60 dB), as
// command-line flags: the tests and benchmarks that reproduce the original's outputs share them.

export const TUTORIAL_PREPROCESS_FLAGS: readonly string[] = [
  '--window-width',
  '0.08',
  '--window-overlap',
  '0.04',
  '--mel-spectrum',
  '128',
  '--fixed-length',
  '5',
  '--center-fixed',
  '--clip-below',
  '-60',
]
