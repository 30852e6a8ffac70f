/** @module coze-sim — a Coze OpenAPI simulator that the official `@coze/api` SDK talks to unchanged. */
export { startCozeSim } from './server'
export { answerFor } from './answers'
export type {
  ChatStatus,
  CozeSim,
  CozeSimOptions,
  OAuthApp,
  ScriptedAnswer,
  SimChat,
  SimEventName,
  SimFaults,
  SimListener,
  SimRequest,
  SimStats,
  Usage,
} from './types'
