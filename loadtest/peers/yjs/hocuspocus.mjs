// Hocuspocus 3.4.4 as the Yjs benchmark's peer: no extensions (documents live in memory), no auth
// hook (any token is accepted), listening on 127.0.0.1 only. Usage: PORT=1235 node hocuspocus.mjs
import { Server } from '@hocuspocus/server'

const port = Number(process.env.PORT || 1235)
const server = new Server({ port, address: '127.0.0.1', quiet: true })
await server.listen()
console.error(`hocuspocus listening on 127.0.0.1:${port}`)
