/**
 * How the loader's launcher looks and reads: the same button as `components/ChatLauncher.ce.vue` under
 * the same `:host` reset as `VolcanoChat.ce.vue`, from the same CSS files (`styles/`); the texts are
 * copied because the loader cannot import `i18n.ts` (it brings Vue): `light-element.test.ts` compares them.
 */
import hostCss from '../styles/host.css?inline'
import launcherCss from '../styles/launcher.css?inline'
import type { Locale } from '../settings'

export const LAUNCHER_TEXT = {
  'zh-CN': { open: '打开聊天', unread: '打开聊天（{n} 条新回答）', failed: '聊天加载失败，点击重试' },
  en: {
    open: 'Open chat',
    unread: 'Open chat (new answers: {n})',
    failed: 'The chat could not load. Click to try again.',
  },
} satisfies Record<Locale, { open: string; unread: string; failed: string }>

export const CHAT_ICON =
  '<svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z"/></svg>'

// The widget's own rules (the same files its SFCs use), then the loader's own states: a ring while
// the app loads after a click, a "!" badge when it failed.
export const LAUNCHER_CSS = `${hostCss}
${launcherCss}
.vc-launcher[aria-busy='true']::after {
  content: '';
  position: absolute;
  inset: -5px;
  border: 3px solid transparent;
  border-top-color: var(--vc-primary);
  border-radius: 50%;
  animation: vc-spin 0.8s linear infinite;
}
@keyframes vc-spin {
  to {
    transform: rotate(360deg);
  }
}
@media (prefers-reduced-motion: reduce) {
  .vc-launcher[aria-busy='true']::after {
    animation-duration: 3s;
  }
}
.vc-launcher[data-state='failed']::after {
  content: '!';
  position: absolute;
  top: -4px;
  right: -4px;
  width: 22px;
  height: 22px;
  border-radius: 50%;
  background: var(--vc-danger);
  color: var(--vc-on-danger);
  font: 700 14px/22px var(--vc-font);
  text-align: center;
}
`
