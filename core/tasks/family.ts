/**
 * The task family as one API: seeded instances of any task, the answer check,
 * and the instance a bare prompt stands for (so a verifier need not trust a
 * stored expected answer).
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import { arithmeticTask } from './arithmetic.js'
import { jsonTask } from './json.js'
import { recallTask } from './recall.js'
import { sortTask } from './sort.js'
import { copyTask, reverseTask } from './strings.js'
import type { Task, TaskInstance, TaskName } from './task.js'
import { parseTaskPrompt, taskPrompt } from './template.js'

export const TASKS: Readonly<Record<TaskName, Task>> = Object.freeze({
  arithmetic: arithmeticTask,
  copy: copyTask,
  reverse: reverseTask,
  sort: sortTask,
  recall: recallTask,
  json: jsonTask,
})

function instance(task: Task, input: string): TaskInstance {
  return { task: task.name, prompt: taskPrompt(task.name, input), expected: task.solve(input) }
}

/** `count` instances of `task`; the same seed gives the same instances everywhere. */
export function generateTaskInstances(task: TaskName, seed: number, count: number): TaskInstance[] {
  const rng = xoroshiro128plus(seed)
  return Array.from({ length: count }, () => instance(TASKS[task], TASKS[task].makeInput(rng)))
}

/** The instance `prompt` poses, its expected answer computed afresh; throws `TaskError` for a prompt no task makes. */
export function instanceFromPrompt(prompt: string): TaskInstance {
  const { task, input } = parseTaskPrompt(prompt)
  return instance(TASKS[task], input)
}

/** Whether `answer` is right for `instance`: equal to the expected answer in the task's canonical form. */
export function checkAnswer(instance: TaskInstance, answer: string): boolean {
  const canonical = TASKS[instance.task].canonical
  const got = canonical(answer)
  return got !== undefined && got === canonical(instance.expected)
}
