// Placeholder replaced by the ES5 build of protocol (see protocol/README.md).
console.log("protocol: build not yet implemented");
