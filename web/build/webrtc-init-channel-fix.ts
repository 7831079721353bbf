/**
 * Build-time fix for @libp2p/webrtc 6.0.x's private-to-private dial. The
 * initiator waits for its `init` data channel's `open` event, then for its
 * `close` event; when the responder has already closed the channel, both
 * events are in the past and the dial hangs until its timeout (about one
 * dial in five between two tabs here). The fix waits only for states not yet
 * reached. The transform refuses to build if the upstream code changed, so
 * the fix is re-checked (and dropped once upstream has one) on every upgrade.
 */
import type { Plugin } from 'vite'

const TARGET = /@libp2p[\\/]webrtc[\\/]dist[\\/]src[\\/]private-to-private[\\/]initiate-connection\.js$/

const UPSTREAM = `        if (channel.readyState !== 'open') {
            log.trace('wait for init channel to open');
            await pEvent(channel, 'open', {
                signal
            });
        }
        log.trace('closing init channel');
        channel.close();
        // wait for init channel to close before proceeding, otherwise the channel
        // id can be reused before both sides have seen the channel close
        log.trace('waiting for init channel to close');
        await pEvent(channel, 'close', {
            signal
        });`

const FIXED = `        if (channel.readyState === 'connecting') {
            log.trace('wait for init channel to open or close');
            await pEvent(channel, ['open', 'close'], { signal });
        }
        if (channel.readyState === 'open') {
            log.trace('closing init channel');
            channel.close();
        }
        // wait for init channel to close before proceeding, otherwise the channel
        // id can be reused before both sides have seen the channel close
        if (channel.readyState !== 'closed') {
            log.trace('waiting for init channel to close');
            await pEvent(channel, 'close', { signal });
        }`

export function webrtcInitChannelFix(): Plugin {
  return {
    name: 'terrain:webrtc-init-channel-fix',
    enforce: 'pre',
    transform(code, id) {
      if (!TARGET.test(id)) return null
      if (!code.includes(UPSTREAM)) {
        this.error('@libp2p/webrtc changed its init-channel wait: re-check web/build/webrtc-init-channel-fix.ts')
      }
      return { code: code.replace(UPSTREAM, FIXED), map: null }
    },
  }
}
