/**
 * The Chat section: model choice, prompt, the answer streaming in, its
 * figures (time to first token, tokens/s, circuit build) and the path
 * diagram. Errors are shown in words, with their code in `data-code`.
 */
import { drawPath } from './path-diagram.js'
import type { Answer, PathHopView, PrivateChat } from '../relay-server/private-chat.js'
import { byId } from './dom.js'

export function bindChat(chat: PrivateChat, self: string): void {
  const form = byId<HTMLFormElement>('chat-form')
  const model = byId<HTMLSelectElement>('chat-model')
  const refresh = byId<HTMLButtonElement>('chat-refresh')
  const prompt = byId<HTMLTextAreaElement>('chat-prompt')
  const send = byId<HTMLButtonElement>('chat-send')
  const status = byId<HTMLElement>('chat-status')
  const error = byId<HTMLElement>('chat-error')
  const answer = byId<HTMLElement>('chat-answer')
  const figures = byId<HTMLElement>('chat-figures')
  const figure = byId<HTMLElement>('chat-path')
  const diagram = byId<SVGSVGElement>('chat-path-diagram')

  const showModels = async () => {
    const models = await chat.models()
    const chosen = model.value
    model.replaceChildren(new Option('any provider', ''), ...models.map((m) => new Option(m, m)))
    model.value = models.includes(chosen) ? chosen : ''
    status.textContent = models.length ? `${models.length} model${models.length === 1 ? '' : 's'} on offer in this world` : 'no provider in this world yet'
  }
  refresh.addEventListener('click', () => void showModels())
  void showModels()
  setInterval(() => void showModels().catch(() => undefined), 5_000)
  send.disabled = false

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void ask()
  })

  async function ask(): Promise<void> {
    send.disabled = true
    error.hidden = true
    answer.textContent = ''
    figures.textContent = ''
    answer.dataset.state = 'waiting'
    try {
      const result: Answer = await chat.ask([{ role: 'user', content: prompt.value }], {
        ...(model.value ? { model: model.value } : {}),
        maxTokens: 64,
        temperature: 0,
        onToken: (text) => (answer.textContent += text),
        onPath: (path: PathHopView[]) => {
          answer.textContent = ''
          figure.hidden = false
          drawPath(diagram, self, path)
        },
        onStatus: (text) => (status.textContent = text),
      })
      answer.dataset.state = 'done'
      status.textContent = `answered by ${result.provider.model} (${result.provider.runtime})`
      figures.textContent = [
        `first token ${result.firstTokenMs.toFixed(0)} ms`,
        `${result.tokensPerSecond.toFixed(0)} tokens/s`,
        result.circuitMs > 0 ? `circuit built in ${result.circuitMs.toFixed(0)} ms` : 'circuit reused',
        result.retries ? `${result.retries} retr${result.retries === 1 ? 'y' : 'ies'}` : '',
      ]
        .filter(Boolean)
        .join(' · ')
    } catch (e) {
      answer.dataset.state = 'failed'
      error.hidden = false
      error.textContent = e instanceof Error ? e.message : String(e)
      error.dataset.code = (e as { code?: string }).code ?? ''
      status.textContent = ''
    } finally {
      send.disabled = false
    }
  }
}
