import { runChatContract } from './chat.contract.test'

runChatContract('embedded')
