// Peer for the hub fan-out benchmark: a broadcast relay on the npm `ws` package that speaks just
// enough of schulhof's hub protocol (hello, subscribe → subscribed, publish → ack + message with a
// per-topic seq to every subscriber, the sender included; ping → pong). Usage: PORT=9001 node relay.js
const { WebSocketServer } = require('ws');
const topics = new Map(); // topic → { seq, subscribers: Set<WebSocket> }
const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.env.PORT || 9001), perMessageDeflate: false });
let connections = 0;
wss.on('connection', (ws) => {
  const userId = `00000000-0000-4000-9000-${(++connections).toString(16).padStart(12, '0')}`;
  const mine = new Set();
  ws.send(JSON.stringify({ type: 'hello', protocol: 1, user_id: userId, heartbeat_ms: 25000 }));
  ws.on('message', (data, isBinary) => {
    let f; try { f = isBinary ? null : JSON.parse(data); } catch { f = null; }
    if (!f) return ws.close(1002);
    if (f.type === 'subscribe') {
      let t = topics.get(f.topic); if (!t) topics.set(f.topic, t = { seq: 0, subscribers: new Set() });
      t.subscribers.add(ws); mine.add(t);
      ws.send(JSON.stringify({ type: 'subscribed', id: f.id, topic: f.topic, seq: t.seq }));
    } else if (f.type === 'publish') {
      const t = topics.get(f.topic);
      if (!t || !t.subscribers.has(ws)) return ws.send(JSON.stringify({ type: 'error', id: f.id, code: 'not_subscribed', message: 'subscribe first', message_de: 'erst abonnieren' }));
      const text = JSON.stringify({ type: 'message', topic: f.topic, seq: ++t.seq, from: userId, at: Date.now(), body: f.body });
      for (const s of t.subscribers) s.send(text);
      ws.send(JSON.stringify({ type: 'ack', id: f.id, seq: t.seq }));
    } else if (f.type === 'ping') ws.send(JSON.stringify({ type: 'pong', id: f.id }));
  });
  ws.on('close', () => { for (const t of mine) t.subscribers.delete(ws); });
});
wss.on('listening', () => console.error(`ws relay on 127.0.0.1:${wss.address().port}`));
