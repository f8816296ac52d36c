// Promise.withResolvers (ES2024) is used by js-libp2p's dependencies (it-queue,
// mortice, abort-error...) and exists from node 22; node 20 lacks it. Imported first
// by peer.mjs, so it is in place before any libp2p module is evaluated.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers () {
    let resolve, reject
    const promise = new this((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}
