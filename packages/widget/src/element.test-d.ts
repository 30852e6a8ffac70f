// Type pins for the public element (checked by `npm run typecheck`, not run by vitest).
import { expectTypeOf } from 'vitest'
import type { VolcanoChatElement } from './element'
import type { TokenProvider } from './state/token'

const el = document.createElement('volcano-chat')
expectTypeOf(el).toEqualTypeOf<VolcanoChatElement>()
expectTypeOf(el.apiBase).toEqualTypeOf<string | undefined>()
expectTypeOf(el.open).toEqualTypeOf<boolean | string | undefined>()
expectTypeOf(el.imageOrigins).toEqualTypeOf<string | undefined>()
expectTypeOf(el.tokenProvider).toEqualTypeOf<TokenProvider | undefined>()
// @ts-expect-error settings are primitives: no object where a string goes
el.locale = { code: 'en' }
