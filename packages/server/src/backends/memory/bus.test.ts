import { afterAll } from 'vitest'
import { runBusContract } from '../contract/bus.contract.test'
import { createMemoryBus } from './bus'

// One process: every "instance" of the embedded default is this one bus.
const bus = createMemoryBus()
afterAll(() => bus.close())
runBusContract('memory', async () => bus)
