// Preloaded into a child process by command.test.ts: at exit, prints how many loaded modules are TensorFlow.js's.
process.on("exit", () => {
	const loaded = Object.keys(require.cache);
	console.error(
		`loaded modules: ${loaded.length}, tensorflow: ${loaded.filter((k) => k.includes("@tensorflow")).length}`,
	);
});
