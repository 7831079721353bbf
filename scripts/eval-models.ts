/**
 * `npm run models:eval [-- --per-task N]`: every built-in model in Node,
 * greedy, over N seeded instances of each task (core/tasks), checked by the
 * task's own checker. Prints a Markdown table of accuracy per task and model
 * (docs/models.md carries the measured one) and each model's decoding speed.
 */
import { checkAnswer, generateTaskInstances, TASK_NAMES } from '../core/index.js'
import { configureOrtForNode, loadBuiltInModelFromDisk, readModelManifest } from '../workers/model/node.js'

/** Evaluation seeds are fixed and far from anything training used (training draws from Python's own generator). */
const EVAL_SEED = 20_261_100
const perTaskFlag = process.argv.indexOf('--per-task')
const PER_TASK = perTaskFlag === -1 ? 100 : Number(process.argv[perTaskFlag + 1])
if (!Number.isSafeInteger(PER_TASK) || PER_TASK < 1) throw new Error('--per-task takes a positive integer')

configureOrtForNode()
const manifest = await readModelManifest()
const rows: string[][] = []
const speeds: string[] = []
for (const entry of manifest.models) {
  const { model } = await loadBuiltInModelFromDisk(entry.id)
  const row = [entry.id]
  let right = 0
  let tokens = 0
  let ms = 0
  for (const [t, task] of TASK_NAMES.entries()) {
    let taskRight = 0
    for (const instance of generateTaskInstances(task, EVAL_SEED + t, PER_TASK)) {
      const result = await model.generate(instance.prompt, { maxTokens: 64, temperature: 0, seed: 0 })
      if (checkAnswer(instance, result.text)) taskRight++
      tokens += result.tokens.length
      ms += result.milliseconds
    }
    right += taskRight
    row.push(`${((100 * taskRight) / PER_TASK).toFixed(0)}%`)
    process.stderr.write(`${entry.id} ${task}: ${taskRight}/${PER_TASK}\n`)
  }
  row.push(`${((100 * right) / (PER_TASK * TASK_NAMES.length)).toFixed(1)}%`)
  rows.push(row)
  speeds.push(`${entry.id}: ${Math.round((tokens * 1000) / ms)} tokens/s (greedy, prompt processing included, ${tokens} tokens)`)
  await model.dispose()
}

console.log(`Greedy accuracy, ${PER_TASK} seeded instances per task (Node, onnxruntime-web WASM)\n`)
console.log(`| model | ${TASK_NAMES.join(' | ')} | all |`)
console.log(`| --- | ${TASK_NAMES.map(() => '---:').join(' | ')} | ---: |`)
for (const row of rows) console.log(`| ${row.join(' | ')} |`)
console.log()
for (const line of speeds) console.log(line)
