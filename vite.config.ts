import { defineConfig } from 'vite'
import { webrtcInitChannelFix } from './web/build/webrtc-init-channel-fix.js'

/**
 * Cross-origin isolation unlocks SharedArrayBuffer, which multi-threaded WASM
 * inference runtimes need; every server that hosts the page must send these.
 */
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
}

/**
 * `core/` names its errors after their classes (`this.name = new.target.name`);
 * minified class names would turn "WorldPhraseError" into two letters.
 */
const keepClassNames = { output: { keepNames: true } }

export default defineConfig({
  plugins: [webrtcInitChannelFix()],
  build: { outDir: 'dist', rolldownOptions: keepClassNames },
  // Module workers share ES imports with the page; classic (iife) workers cannot code-split.
  worker: { format: 'es', rolldownOptions: keepClassNames },
  server: { headers: crossOriginIsolation },
  // The end-to-end tests expect this exact address.
  preview: { host: '127.0.0.1', port: 4173, strictPort: true, headers: crossOriginIsolation },
})
