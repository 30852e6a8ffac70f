import { runVoiceContract } from './voice.contract.test'
import { runVoiceSessionContract } from './voice-session.contract.test'

runVoiceContract('mysql')
runVoiceSessionContract('mysql')
