// `npm run demo`: the one-machine cluster lab. It arrives with the demo issue,
// after the speaker, reflector, agent and CNI exist.
console.log('The demo is not yet available: it needs the speaker, route reflector, agent and CNI plugin, which are still being built.');
process.exit(1);
