/**
 * Coze's business codes and their English texts (coze-protocol.md §9 row 2). The texts are the js
 * chat-sdk's `miniChatError_<code>` (`chat-sdk/src/libs/i18n/resource/simple/en.ts`), Coze's own words
 * for them; a code without one gets a neutral text naming it.
 */
export const COZE_TEXTS: Readonly<Record<number, string>> = {
  4000: 'Request parameter error',
  4001: 'The specified chat does not exist',
  4002: 'The specified conversation does not exist',
  4008: 'The daily use of the Bot has exceeded the limit',
  4009: 'The current number of users is too high',
  4010: 'The prompt token number of the previous question exceeds the model limit.',
  4011: 'Insufficient balance of Coze Tokens in the current account.',
  4012: 'Invalid model',
  4013:
    "Model's request rate limit exceeded. Please reduce your request frequency or try again later. " +
    'If you need higher limits, consider upgrading your plan or contacting Coze support for expansion options.',
  4014: 'The Bot cannot answer this question',
  4015: 'The Bot is not published',
  4016:
    'There is already a running conversation in the current session, please wait for the conversation ' +
    'to complete before initiating a new conversation',
  4019: 'The account has an overdue payment, please recharge immediately.',
  4020: 'You have exceeded the model RPM limit. Please try again later or contact Coze for an upgrade.',
  4027: 'Your account has an overdue payment, please recharge immediately.',
  4028: 'Insufficient coze credits balance, please wait for the quota refresh or upgrade to paid version.',
  4104: 'This chat cannot be canceled: it is not running',
  5000: 'Internal server error',
  788788103: 'Your account has an outstanding balance. Please top up your balance on Volcengine.',
}

export const cozeText = (code: number) => COZE_TEXTS[code] ?? `Coze error ${code}`
