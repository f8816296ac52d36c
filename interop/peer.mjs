// A js-libp2p peer for p2psocial's interop check (tests/test_interop_js.py drives it).
//
// Standard js-libp2p: TCP, Noise, yamux, identify, ping, GossipSub in StrictSign mode
// (the js default). One setting is ours: the message id is `from + seqno` (the peer
// id's bytes, then the 8-byte seqno), the default of go-libp2p and py-libp2p; js's
// own default puts the protobuf public key where the peer id goes, and ids that
// differ would break IHAVE/IWANT between the two (docs/network.md, "GossipSub on the
// wire").
//
// Talks JSON lines: commands on stdin ({"id": 1, "cmd": "dial", ...}), a reply per
// command ({"id": 1, "ok": true, ...} or {"id": 1, "error": "..."}) and events
// ({"event": "message", ...}) on stdout. Logs go to stderr.
import './polyfill.mjs'
import { createInterface } from 'node:readline'
import { gossipsub } from '@chainsafe/libp2p-gossipsub'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'

const hex = (bytes) => Buffer.from(bytes).toString('hex')
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')

function msgIdFromSeqno (msg) {
  if (msg.type !== 'signed') throw new Error('StrictSign: unsigned message')
  const from = msg.from.toMultihash().bytes
  const id = new Uint8Array(from.length + 8)
  id.set(from, 0)
  new DataView(id.buffer).setBigUint64(from.length, msg.sequenceNumber)
  return id
}

const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: {
    identify: identify(),
    ping: ping(),
    pubsub: gossipsub({
      globalSignaturePolicy: 'StrictSign',
      msgIdFn: msgIdFromSeqno,
      allowPublishToZeroTopicPeers: true,
      emitSelf: false
    })
  }
})
const pubsub = node.services.pubsub

node.addEventListener('peer:identify', (evt) => {
  const { peerId, protocols, agentVersion, protocolVersion } = evt.detail
  emit({ event: 'identify', peer: peerId.toString(), protocols, agentVersion, protocolVersion })
})
node.addEventListener('peer:connect', (evt) => {
  emit({ event: 'connect', peer: evt.detail.toString() })
})
pubsub.addEventListener('gossipsub:message', (evt) => {
  const { propagationSource, msgId, msg } = evt.detail
  emit({
    event: 'message',
    topic: msg.topic,
    data: hex(msg.data),
    from: msg.type === 'signed' ? msg.from.toString() : null,
    seqno: msg.type === 'signed' ? msg.sequenceNumber.toString() : null,
    signed: msg.type === 'signed',
    msgId,
    via: propagationSource.toString()
  })
})

function peerOf (id) {
  const conn = node.getConnections().find((c) => c.remotePeer.toString() === id)
  if (conn == null) throw new Error(`not connected to ${id}`)
  return conn.remotePeer
}

async function waitFor (predicate, target, eventName) {
  while (!predicate()) {
    await new Promise((resolve) => target.addEventListener(eventName, resolve, { once: true }))
  }
}

const commands = {
  async dial ({ addr }) {
    const conn = await node.dial(multiaddr(addr))
    return { peer: conn.remotePeer.toString(), encryption: conn.encryption, multiplexer: conn.multiplexer }
  },
  async ping ({ peer }) {
    return { rtt: await node.services.ping.ping(peerOf(peer)) }
  },
  async connection ({ peer }) {
    const conn = node.getConnections().find((c) => c.remotePeer.toString() === peer)
    if (conn == null) return { connected: false }
    return { connected: true, encryption: conn.encryption, multiplexer: conn.multiplexer, direction: conn.direction }
  },
  async subscribe ({ topic }) {
    pubsub.subscribe(topic)
    return {}
  },
  async subscribed ({ topic, peer }) {
    // returns once `peer` is subscribed to `topic` as far as we know
    await waitFor(() => pubsub.getSubscribers(topic).some((p) => p.toString() === peer),
      pubsub, 'subscription-change')
    return {}
  },
  async score ({ peer }) {
    // GossipSub's score of `peer` here (negative: penalised, e.g. for invalid messages)
    return { score: pubsub.getScore(peer) }
  },
  async publish ({ topic, data }) {
    const result = await pubsub.publish(topic, Buffer.from(data, 'hex'))
    return { recipients: result.recipients.map((p) => p.toString()) }
  },
  async quit () {
    setImmediate(async () => { await node.stop(); process.exit(0) })
    return {}
  }
}

emit({
  event: 'listening',
  peer: node.peerId.toString(),
  addrs: node.getMultiaddrs().map((a) => a.toString())
})

const lines = createInterface({ input: process.stdin })
lines.on('line', async (line) => {
  let request
  try {
    request = JSON.parse(line)
    const handler = commands[request.cmd]
    if (handler == null) throw new Error(`unknown command ${request.cmd}`)
    emit({ id: request.id, ok: true, ...(await handler(request)) })
  } catch (err) {
    emit({ id: request?.id ?? null, error: String(err?.stack ?? err) })
  }
})
lines.on('close', async () => { await node.stop(); process.exit(0) })
