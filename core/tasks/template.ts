/**
 * The one prompt format of the task family, shared by training
 * (scripts/train/train_models.py) and inference: `<task>: <input>\n=`, then
 * the model writes the answer and ends it with EOS.
 */
import { TASK_NAMES, TaskError, type TaskName } from './task.js'

/** Ends every prompt; the answer starts right after it. */
export const PROMPT_END = '\n='

export function taskPrompt(task: TaskName, input: string): string {
  return `${task}: ${input}${PROMPT_END}`
}

/** The task and input of a prompt made by `taskPrompt`; throws `TaskError` ('malformed-prompt', 'unknown-task'). */
export function parseTaskPrompt(prompt: string): { task: TaskName; input: string } {
  const match = /^([a-z]+): (.*)\n=$/s.exec(prompt)
  if (!match) throw new TaskError('malformed-prompt', `not a task prompt: ${JSON.stringify(prompt)}`)
  const task = match[1] as TaskName
  if (!TASK_NAMES.includes(task)) throw new TaskError('unknown-task', `no task named ${JSON.stringify(match[1])}`)
  return { task, input: match[2]! }
}
