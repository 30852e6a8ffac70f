/**
 * How the loader's launcher looks and reads: the same button as `components/ChatLauncher.ce.vue` under
 * the same `:host` reset as `VolcanoChat.ce.vue`, copied because the loader cannot import SFCs (they
 * bring Vue). `light-element.test.ts` compares both against the SFC styles and `i18n.ts`.
 */
import type { Locale } from '../settings'

export const LAUNCHER_TEXT = {
  'zh-CN': { open: '打开聊天', failed: '聊天加载失败，点击重试' },
  en: { open: 'Open chat', failed: 'The chat could not load. Click to try again.' },
} satisfies Record<Locale, { open: string; failed: string }>

export const CHAT_ICON =
  '<svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z"/></svg>'

// The first blocks are the SFCs' rules verbatim (double quotes, as the build prints them: a custom
// property's value is kept as written, so quotes must match for the computed styles to be equal); the last two are the loader's own states: a ring while
// the app loads after a click, a "!" badge when it failed.
export const LAUNCHER_CSS = `:host {
  all: initial !important;
  --vc-primary: #1d4ed8;
  --vc-on-primary: #fff;
  --vc-accent: #0f766e;
  --vc-bg: #fff;
  --vc-fg: #1f2937;
  --vc-muted: #4b5563;
  --vc-border: #d1d5db;
  --vc-bubble: #eef2ff;
  --vc-surface: #f9fafb;
  --vc-danger: #b91c1c;
  --vc-focus: #f59e0b;
  --vc-font: system-ui, -apple-system, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", sans-serif;
  --vc-mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  --vc-z: 2147483000;
}
.vc-root {
  font-family: var(--vc-font);
  font-size: 14px;
  line-height: 1.5;
  color: var(--vc-fg);
  -webkit-font-smoothing: antialiased;
}
.vc-root *,
.vc-root *::before,
.vc-root *::after {
  box-sizing: border-box;
}
.vc-root :focus-visible {
  outline: 3px solid var(--vc-focus);
  outline-offset: 2px;
}
.vc-root button {
  font: inherit;
  cursor: pointer;
}
.vc-launcher {
  position: fixed;
  bottom: calc(20px + env(safe-area-inset-bottom, 0px));
  right: 20px;
  z-index: var(--vc-z);
  display: flex;
  align-items: center;
  justify-content: center;
  width: 56px;
  height: 56px;
  padding: 0;
  border: 0;
  border-radius: 50%;
  background: var(--vc-primary);
  color: var(--vc-on-primary);
  box-shadow: 0 6px 20px rgba(15, 23, 42, 0.25);
}
.vc-bottom-left .vc-launcher {
  right: auto;
  left: 20px;
}
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
  color: #fff;
  font: 700 14px/22px var(--vc-font);
  text-align: center;
}
`
