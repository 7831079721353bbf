/**
 * What every task of the family provides, and its typed error. A task is a
 * seeded input generator plus a solver and a canonical form of answers, so
 * the expected answer is computed rather than stored and a checker can
 * accept any spelling that means the same (e.g. JSON key order).
 */
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator'
import { TerrainError } from '../errors.js'

export const TASK_NAMES = ['arithmetic', 'copy', 'reverse', 'sort', 'recall', 'json'] as const
export type TaskName = (typeof TASK_NAMES)[number]

/** One generated challenge: `prompt` is what the model sees, `expected` the canonical answer. */
export interface TaskInstance {
  task: TaskName
  prompt: string
  expected: string
}

export interface Task {
  name: TaskName
  /** A random input (the text after `<task>: `). */
  makeInput(rng: RandomGenerator): string
  /** The answer to `input`; throws `TaskError` ('malformed-task-input') for input this task never generates. */
  solve(input: string): string
  /** The form two answers must share to count as equal, or undefined when `answer` is not an answer at all. */
  canonical(answer: string): string | undefined
}

export type TaskErrorCode = 'unknown-task' | 'malformed-task-input' | 'malformed-prompt'

export class TaskError extends TerrainError {
  declare readonly code: TaskErrorCode
  constructor(code: TaskErrorCode, message: string) {
    super(code, message)
  }
}

export function malformed(task: TaskName, input: string): TaskError {
  return new TaskError('malformed-task-input', `not a ${task} input: ${JSON.stringify(input)}`)
}
