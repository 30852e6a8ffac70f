// Type pins for the public element (checked by `npm run typecheck`, not run by vitest).
import { expectTypeOf } from 'vitest'
import type { VolcanoChatElement } from './element'
import type { TokenProvider } from './state/token'

const el = document.createElement('volcano-chat')
expectTypeOf(el).toEqualTypeOf<VolcanoChatElement>()
expectTypeOf(el.apiBase).toEqualTypeOf<string | undefined>()
// `open` is the method; assigning it is the setting (as the attribute).
expectTypeOf(el.open).toEqualTypeOf<() => void>()
el.open = true
el.open = 'false'
expectTypeOf(el.close).toEqualTypeOf<() => void>()
expectTypeOf(el.send).toEqualTypeOf<(text: string) => Promise<boolean>>()
expectTypeOf(el.newConversation).toEqualTypeOf<() => void>()
expectTypeOf(el.imageOrigins).toEqualTypeOf<string | undefined>()
expectTypeOf(el.tokenProvider).toEqualTypeOf<TokenProvider | undefined>()
// @ts-expect-error settings are primitives: no object where a string goes
el.locale = { code: 'en' }
// @ts-expect-error the method is not a setting value
el.open = () => {}
