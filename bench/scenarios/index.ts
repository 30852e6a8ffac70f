/** Every scenario by its `--scenario` name (bench/README.md says what each one measures). */
import type { ScenarioName } from '../lib/plan'
import type { Runner } from './context'
import { firstDeltaScenario } from './first-delta'
import { heldScenario } from './held'
import { relayScenario } from './relay'
import { resumeScenario } from './resume'
import { sendRateScenario } from './send-rate'
import { sessionScenario } from './session'
import { ttftScenario } from './ttft'

export const SCENARIO_RUNNERS: Record<ScenarioName, Runner> = {
  'first-delta': firstDeltaScenario,
  ttft: ttftScenario,
  'send-rate': sendRateScenario,
  relay: relayScenario,
  session: sessionScenario,
  resume: resumeScenario,
  held: heldScenario,
}
