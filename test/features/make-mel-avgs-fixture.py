# Writes mel-avgs-fixture.json: EfficientAT mel_avgs (hear-reference.md §8) of a synthetic 32 kHz signal,
# computed with numpy in the vectorised torch.stft / torchaudio kaldi formulation, as an independent check
# of src/features/mel-avgs.ts. Run from the repository root: python3 test/features/make-mel-avgs-fixture.py
import json
import os

import numpy as np


def synthetic(n, sr=32000):
    """Chirp + amplitude-modulated tone + LCG noise; mel-avgs.test.ts builds the same samples."""
    t = np.arange(n) / sr
    dur = n / sr
    s = 12345
    noise = np.empty(n)
    for k in range(n):
        s = (1664525 * s + 1013904223) % 2**32
        noise[k] = s / 2**32 - 0.5
    return (0.5 * np.sin(2 * np.pi * (200 * t + 0.5 * (6000 / dur) * t**2))
            + 0.2 * np.sin(2 * np.pi * 5000 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))
            + 0.05 * noise)


def kaldi_banks(n_mels, n_fft, sr, fmin, fmax, dtype):
    mel = lambda f: 1127.0 * np.log(1.0 + f / 700.0)
    ml, mh = mel(fmin), mel(fmax)
    d = (mh - ml) / (n_mels + 1)
    b = np.arange(n_mels, dtype=dtype)[:, None]
    left, center, right = ml + b * d, ml + (b + 1) * d, ml + (b + 2) * d
    m = mel((sr / n_fft) * np.arange(n_fft // 2, dtype=dtype))[None, :]
    banks = np.maximum(0, np.minimum((m - left) / (center - left), (right - m) / (right - center)))
    return np.pad(banks, ((0, 0), (0, 1))).astype(dtype)


def mel_avgs(x, sr=32000, n_mels=128, hop=320, win=800, n_fft=1024, fmin=0.0, fmax=15000.0, dtype=np.float64):
    x = x.astype(dtype)
    y = x[1:] - dtype(0.97) * x[:-1]
    yp = np.pad(y, n_fft // 2, mode='reflect')
    w = np.zeros(n_fft, dtype=dtype)
    off = (n_fft - win) // 2
    w[off:off + win] = np.hanning(win)  # symmetric, = torch.hann_window(win, periodic=False)
    frames = 1 + (len(yp) - n_fft) // hop
    idx = np.arange(frames)[:, None] * hop + np.arange(n_fft)[None, :]
    spec = np.fft.rfft(yp[idx] * w, axis=1)
    power = (spec.real**2 + spec.imag**2).astype(dtype)
    melspec = power @ kaldi_banks(n_mels, n_fft, sr, fmin, fmax, dtype).T
    logmel = (np.log(melspec + dtype(1e-5)) + dtype(4.5)) / dtype(5)
    return logmel.mean(axis=0), frames


cases = []
for n, config in [(43851, {}), (32000, {'n_mels': 64, 'hop': 160}), (20000, {'n_mels': 40, 'fmax': 16000.0})]:
    x = synthetic(n)
    ref, frames = mel_avgs(x, **config)
    f32, _ = mel_avgs(x, dtype=np.float32, **config)
    cases.append({
        'samples': n,
        'config': config,
        'frames': int(frames),
        'melAvgs': [float(v) for v in ref],
        # How far a float32 computation (as torch does it) lands from float64: the tolerance to expect.
        'float32MaxDiff': float(np.max(np.abs(f32 - ref))),
    })
path = os.path.join(os.path.dirname(__file__), 'mel-avgs-fixture.json')
with open(path, 'w') as f:
    json.dump({'generator': 'test/features/make-mel-avgs-fixture.py', 'cases': cases}, f)
print(path, [(c['samples'], c['frames'], c['float32MaxDiff']) for c in cases])
