// Compute engine public API: backend selection, the recurrent op and its reference, native helpers.
export { BACKEND_CHOICES, currentEngine, nativeFusedActive, selectBackend } from './backend.js';
export type { BackendChoice, BackendName, EngineInfo } from './backend.js';
export { dropoutMask, rnn, rnnDropoutMasks } from './rnn.js';
export { gruCell, lstmCell, referenceRnn } from './reference.js';
export { NativeAbortedError, clearNativeWorkspaces, nativeRnn, nativeWorkspaceStats } from './fused.js';
export { loadNative, nativeLoadError } from './native.js';
export type { NativeAddon, NativeIsa, NativeRnnConfig } from './native.js';
export { nativeMatMulRegistered, registerNativeMatMul, unregisterNativeMatMul } from './matmul.js';
export { activateWasm } from './wasm.js';
export { rnnDims, rnnStateSize, stateBlockOffset } from './types.js';
export type { CellType, RnnArgs, RnnDims, RnnDropoutMasks, RnnLayerParams, RnnResult } from './types.js';
