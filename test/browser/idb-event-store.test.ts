import { IndexedDbEventStore } from '../../workers/idb-event-store.js'
import { eventStoreAcceptance } from '../acceptance/event-store.js'

let n = 0
eventStoreAcceptance('IndexedDbEventStore (real IndexedDB in Chromium)', () =>
  IndexedDbEventStore.open(`terrain-acceptance-${Date.now()}-${n++}`),
)
