/** The task family: seeded challenges with machine-checkable answers, shared by training, evaluation and probing. */
export { TASK_NAMES, TaskError, type Task, type TaskErrorCode, type TaskInstance, type TaskName } from './task.js'
export { PROMPT_END, parseTaskPrompt, taskPrompt } from './template.js'
export { TASKS, checkAnswer, generateTaskInstances, instanceFromPrompt } from './family.js'
