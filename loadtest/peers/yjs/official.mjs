// Official clients as the Yjs benchmark's convergence check: COUNT clients of the stock client
// library (y-websocket's WebsocketProvider, or @hocuspocus/provider for Hocuspocus) join one
// document, each inserts a few characters per second (and a cursor), until a line "stop" arrives
// on stdin; then they wait until no update arrived for 1.5 s (at most 20 s) and print one JSON
// line: per client whether it synced, its state vector {client: clock}, the text length and its
// FNV-1a 32 digest (the Rust light client computes the same).
// Usage: node official.mjs plain|hocuspocus BASE_URL ROOM TOKEN [COUNT]
import WebSocket from 'ws'
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import { WebsocketProvider } from 'y-websocket'
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider'
import { createInterface } from 'node:readline'

const [dialect, base, room, token, countArg] = process.argv.slice(2)
const count = Number(countArg || 2)
let lastUpdate = Date.now()
const clients = []

for (let i = 0; i < count; i++) {
  const doc = new Y.Doc()
  const client = { doc, synced: false, provider: null }
  doc.on('update', () => { lastUpdate = Date.now() })
  if (dialect === 'hocuspocus') {
    const websocketProvider = new HocuspocusProviderWebsocket({ url: base, WebSocketPolyfill: WebSocket })
    client.provider = new HocuspocusProvider({
      websocketProvider, name: room, document: doc, token,
      onSynced: () => { client.synced = true }
    })
    client.provider.attach()
  } else {
    client.provider = new WebsocketProvider(base, room, doc, {
      WebSocketPolyfill: WebSocket, params: token ? { token } : {}
    })
    client.provider.on('sync', (synced) => { if (synced) client.synced = true })
  }
  client.provider.awareness.setLocalStateField('user', { name: `official ${i}`, color: '#ee6352' })
  clients.push(client)
}

const editTimer = setInterval(() => {
  for (const [i, client] of clients.entries()) {
    if (!client.synced) continue
    const text = client.doc.getText('text')
    client.doc.transact(() => {
      text.insert(Math.floor(Math.random() * (text.length + 1)), `o${i}`)
    })
    const at = Math.floor(Math.random() * 1000)
    client.provider.awareness.setLocalStateField('cursor', { anchor: at, head: at })
  }
}, 1000)

function fnv1a32 (text) {
  let hash = 0x811c9dc5
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash >>> 0
}

function stateVector (doc) {
  const decoder = decoding.createDecoder(Y.encodeStateVector(doc))
  const entries = {}
  const n = decoding.readVarUint(decoder)
  for (let i = 0; i < n; i++) {
    const client = decoding.readVarUint(decoder)
    entries[client] = decoding.readVarUint(decoder)
  }
  return entries
}

async function finish () {
  clearInterval(editTimer)
  const deadline = Date.now() + 20000
  while (Date.now() - lastUpdate < 1500 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const report = clients.map((client) => {
    const text = client.doc.getText('text').toString()
    return {
      synced: client.synced,
      state_vector: stateVector(client.doc),
      text_len: Buffer.byteLength(text, 'utf8'),
      text_hash: fnv1a32(text)
    }
  })
  process.stdout.write(JSON.stringify({ clients: report }) + '\n')
  for (const client of clients) client.provider.destroy()
  setTimeout(() => process.exit(0), 200)
}

const hardStop = setTimeout(finish, 30 * 60 * 1000)
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'stop') { clearTimeout(hardStop); finish() }
})
