/**
 * From a chat to the prompt a built-in model reads. The built-in models are
 * trained on one format, `<task>: <input>\n=` followed by the answer, so the
 * last user message is the prompt, closed with the answer marker if the user
 * did not type it. (Forwarding providers pass the chat on unchanged.)
 */
import { PROMPT_END } from './tasks/template.js'
import type { ChatMessage } from './inference-messages.js'
import { TerrainError } from './errors.js'

export function builtInPrompt(messages: readonly ChatMessage[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user')
  if (!last) throw new TerrainError('no-user-message', 'a chat needs a user message to answer')
  const text = last.content.trim()
  return text.endsWith(PROMPT_END) ? text : `${text}${PROMPT_END}`
}
