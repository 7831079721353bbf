import { MemoryEventStore } from '../../core/index.js'
import { eventStoreAcceptance } from '../acceptance/event-store.js'

eventStoreAcceptance('MemoryEventStore', async () => new MemoryEventStore())
